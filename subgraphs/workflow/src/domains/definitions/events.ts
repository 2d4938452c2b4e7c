import type { Emit } from '@organoise/core';
import type { definitions } from '../../db/schema.js';

type DefinitionRow = typeof definitions.$inferSelect;

/**
 * A definition's changes (docs/protocols/subscriptions.md), appended in the transaction of the
 * write: followed by search (docs/protocols/search.md#sources), which indexes definitions and the
 * runs whose titles carry their names. Payloads carry ids and the version only.
 */
export const organizationDefinitionsStream = (organizationId: string) => `workflow.org:${organizationId}:definitions`;

/** `created` once; `updated` for a new version (the graph changed) or a new name or description. */
export type DefinitionEventType = 'workflow.definition.created' | 'workflow.definition.updated';

export interface DefinitionEventPayload {
  definitionId: string;
  /** The latest version after the change. */
  version: number;
  /** Whether the change added that version. */
  versioned: boolean;
  /** Whether the name changed (always true for `created`): the runs' titles carry it. */
  renamed: boolean;
  actorId: string;
}

export function emitDefinitionChange(emit: Emit, type: DefinitionEventType, definition: DefinitionRow, change: { versioned: boolean; renamed: boolean }, actorId: string) {
  const payload: DefinitionEventPayload = { definitionId: definition.id, version: definition.latestVersion, ...change, actorId };
  return emit({ stream: organizationDefinitionsStream(definition.organizationId), type, organizationId: definition.organizationId, payload: { ...payload } });
}
