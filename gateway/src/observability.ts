import type { ApolloGateway } from '@apollo/gateway';
import { observeOperation } from '@organoise/core';

type Executor = ApolloGateway['executor'];
type ExecutorResult = Awaited<ReturnType<Executor>>;

/**
 * Operation metrics for every operation the gateway executes, on both paths that execute one:
 * Apollo Server's pipeline and the lean path (transports/lean-http.ts) both call the gateway's executor,
 * so it is wrapped once, before Apollo Server takes it (apollo.start()). The time is the
 * executor's: planning, the subgraph fetches and assembling the answer; parsing and validation
 * (cached per document) are not in it.
 */
export function instrumentExecutor(gateway: ApolloGateway): void {
  const execute = gateway.executor;
  gateway.executor = async (requestContext) => {
    const started = performance.now();
    const type = requestContext.operation?.operation ?? 'unknown';
    const name = requestContext.operationName;
    let result: ExecutorResult;
    try {
      result = await execute(requestContext);
    } catch (error) {
      observeOperation(name, type, (performance.now() - started) / 1000, [codeOf(error)]);
      throw error;
    }
    const errors = 'errors' in result ? result.errors : undefined;
    observeOperation(name, type, (performance.now() - started) / 1000, errors?.length ? errors.map(codeOf) : null);
    return result;
  };
}

function codeOf(error: unknown): string {
  const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}
