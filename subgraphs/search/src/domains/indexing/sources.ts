import {
  INTERNAL_TOKEN_HEADER,
  SEARCH_CHANGES_PATH,
  SEARCH_DOCUMENTS_PATH,
  SEARCH_HEADS_PATH,
  SEARCH_NAMED_CHANGES_PATH,
  signInternalToken,
  type SearchChangesRequest,
  type SearchChangesResponse,
  type SearchDocumentsRequest,
  type SearchDocumentsResponse,
  type SearchHeadsRequest,
  type SearchHeadsResponse,
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

/**
 * The source answered a version 2 route with 404: it predates version 2 (an old replica during a
 * rolling deploy). The indexer asks it with version 1 instead; not a failure.
 */
export class SourceVersionError extends SourceUnavailableError {}

/** The source routes over HTTP, with the platform's internal token (viewer null, audience the source). */
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
    if (response.status === 404 && (path === SEARCH_HEADS_PATH || path === SEARCH_NAMED_CHANGES_PATH)) throw new SourceVersionError(endpoint.name, `${path} is not served (a source of version 1)`);
    if (response.status !== 200) throw new SourceUnavailableError(endpoint.name, `${path} answered ${response.status}: ${text.slice(0, 200)}`);
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new SourceUnavailableError(endpoint.name, `${path} answered with no JSON`, { cause: error });
    }
  };
  const changesAt = async (path: string, request: SearchChangesRequest): Promise<SearchChangesResponse> => {
    const answer = await post<SearchChangesResponse>(path, request);
    if (!Array.isArray(answer.upserts) || !Array.isArray(answer.deletes) || !answer.cursors || typeof answer.cursors !== 'object') {
      throw new SourceUnavailableError(endpoint.name, `${path} answered without upserts, deletes and cursors`);
    }
    return { upserts: answer.upserts, deletes: answer.deletes, resync: answer.resync ?? [], cursors: answer.cursors, more: answer.more === true };
  };
  return {
    name: endpoint.name,
    /** Version 1: the changes after `cursors`, over every followed stream. */
    changes: (request: SearchChangesRequest) => changesAt(SEARCH_CHANGES_PATH, request),
    /** Version 2: the changes of the streams `cursors` names. */
    namedChanges: (request: SearchChangesRequest) => changesAt(SEARCH_NAMED_CHANGES_PATH, request),
    /** Version 2: the heads written since a token. */
    async heads(request: SearchHeadsRequest): Promise<SearchHeadsResponse> {
      const answer = await post<SearchHeadsResponse>(SEARCH_HEADS_PATH, request);
      if (typeof answer.token !== 'string' || !answer.heads || typeof answer.heads !== 'object') throw new SourceUnavailableError(endpoint.name, `${SEARCH_HEADS_PATH} answered without token and heads`);
      return { token: answer.token, heads: answer.heads };
    },
    async documents(request: SearchDocumentsRequest): Promise<SearchDocumentsResponse> {
      const answer = await post<SearchDocumentsResponse>(SEARCH_DOCUMENTS_PATH, request);
      if (!Array.isArray(answer.documents)) throw new SourceUnavailableError(endpoint.name, `${SEARCH_DOCUMENTS_PATH} answered without documents`);
      return answer;
    },
  };
}

export type SourceClient = ReturnType<typeof sourceClient>;
