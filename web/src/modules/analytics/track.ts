import type { ApolloClient } from '@apollo/client';
import { IngestEventsDocument } from '@organoise/client';

/**
 * Reports a product event to the analytics subgraph, as every client does (the domain services do
 * not forward their events): run counters and the dashboard's live metrics come from these. The id
 * makes a retry harmless. Best effort: a viewer may not ingest, and a lost event only makes a
 * counter lag, so failures are not shown.
 */
export function track(client: ApolloClient, organizationId: string, event: { id?: string; type: string; subjectId?: string; properties?: Record<string, unknown> }): void {
  const { id = crypto.randomUUID(), ...rest } = event;
  void client.mutate({ mutation: IngestEventsDocument, variables: { input: { organizationId, events: [{ id, ...rest }] } } }).catch(() => {});
}
