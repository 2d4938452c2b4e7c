import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '@organoise/core';
import type { GatewayContext } from './context.js';

/** The routing URLs a supergraph declares, by subgraph name (`@join__graph(name:, url:)`). */
export function routingUrls(supergraphSdl: string): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const match of supergraphSdl.matchAll(/@join__graph\(\s*name:\s*"([^"]+)"\s*,\s*url:\s*"([^"]*)"\s*\)/g)) {
    urls[match[1]!] = match[2]!;
  }
  return urls;
}

/**
 * How the gateway calls one subgraph. Nothing the client sent is forwarded upstream (so an
 * identity header a client forges goes nowhere); the gateway adds a short-lived internal token
 * addressed to this subgraph, carrying the verified viewer. Requests time out instead of hanging
 * (the stock fetcher has no timeout), and Node's fetch keeps connections alive.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraphName: string,
    url: string,
    private readonly internalTokenSecret: string | undefined,
    timeoutMs: number,
  ) {
    super({
      url,
      fetcher: ((input: string, init: RequestInit) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) })) as never,
    });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const headers = request.http!.headers;
    const ctx = context as Partial<GatewayContext>;
    if (this.internalTokenSecret) {
      headers.set(INTERNAL_TOKEN_HEADER, await signInternalToken(this.internalTokenSecret, this.subgraphName, ctx.viewer ?? null, ctx.clientIp));
    }
    if (ctx.requestId) headers.set('x-request-id', ctx.requestId);
  }
}
