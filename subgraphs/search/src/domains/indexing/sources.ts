import {
  INTERNAL_TOKEN_HEADER,
  SEARCH_CHANGES_PATH,
  SEARCH_DOCUMENTS_PATH,
  signInternalToken,
  type SearchChangesRequest,
  type SearchChangesResponse,
  type SearchDocumentsRequest,
  type SearchDocumentsResponse,
  type SubgraphName,
} from '@organoise/core';

/** The subgraphs search follows (`needs` of its entry in subgraphs.ts): each serves the source routes. */
export const SEARCH_SOURCES = ['user', 'workflow', 'file'] as const satisfies readonly SubgraphName[];
export type SearchSourceName = (typeof SEARCH_SOURCES)[number];

/** One source as the indexer calls it: its name (the token's audience) and its GraphQL URL (the routes are beside it). */
export interface SearchSourceEndpoint {
  name: SearchSourceName;
  url: string;
}

export const DEFAULT_SOURCE_TIMEOUT_MS = 10_000;

/** A source's answer was not one (down, refused, timed out, not JSON): the indexer backs off and asks again. */
export class SourceUnavailableError extends Error {
  constructor(
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`search source '${source}': ${message}`, options);
  }
}

/** The two source routes over HTTP, with the platform's internal token (viewer null, audience the source). */
export function sourceClient(endpoint: SearchSourceEndpoint, internalTokenSecret: string, timeoutMs = DEFAULT_SOURCE_TIMEOUT_MS) {
  const post = async <T>(path: string, body: unknown): Promise<T> => {
    const url = new URL(path, endpoint.url).toString();
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: await signInternalToken(internalTokenSecret, endpoint.name, null) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new SourceUnavailableError(endpoint.name, `${path} unreachable`, { cause: error });
    }
    if (response.status !== 200) throw new SourceUnavailableError(endpoint.name, `${path} answered ${response.status}: ${text.slice(0, 200)}`);
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new SourceUnavailableError(endpoint.name, `${path} answered with no JSON`, { cause: error });
    }
  };
  return {
    name: endpoint.name,
    async changes(request: SearchChangesRequest): Promise<SearchChangesResponse> {
      const answer = await post<SearchChangesResponse>(SEARCH_CHANGES_PATH, request);
      if (!Array.isArray(answer.upserts) || !Array.isArray(answer.deletes) || !answer.cursors || typeof answer.cursors !== 'object') {
        throw new SourceUnavailableError(endpoint.name, `${SEARCH_CHANGES_PATH} answered without upserts, deletes and cursors`);
      }
      return { upserts: answer.upserts, deletes: answer.deletes, resync: answer.resync ?? [], cursors: answer.cursors, more: answer.more === true };
    },
    async documents(request: SearchDocumentsRequest): Promise<SearchDocumentsResponse> {
      const answer = await post<SearchDocumentsResponse>(SEARCH_DOCUMENTS_PATH, request);
      if (!Array.isArray(answer.documents)) throw new SourceUnavailableError(endpoint.name, `${SEARCH_DOCUMENTS_PATH} answered without documents`);
      return answer;
    },
  };
}

export type SourceClient = ReturnType<typeof sourceClient>;
