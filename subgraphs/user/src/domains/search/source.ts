import { pagedDocuments, UUID_KEY as UUID, type Database, type SearchDocument, type SearchDocumentRef, type SearchSource } from '@organoise/core';
import { and, asc, eq, gt, or } from 'drizzle-orm';
import { memberships, users } from '../../db/schema.js';

/**
 * The user subgraph as a search source (docs/protocols/search.md#sources): one User document per
 * membership, so a person is found in each organization they belong to and in no other.
 *
 * - title: their name. A name is set at sign-up and never changes afterwards (no mutation writes
 *   users.name), so the members streams' membership events are all that change a document.
 * - body: empty. The email is NOT indexed: User.email is shown only to the user themself and to
 *   owners and admins of a shared organization, while every member (VIEWER and up) lists members.
 * - minRole VIEWER: any member reads a fellow member (Membership: the member themself or a member
 *   of the organization; Organization.members: VIEWER).
 */
const MEMBERS = { prefix: 'user.org:', suffix: ':members' };

type Row = { membershipId: string; userId: string; organizationId: string; name: string; joinedAt: Date; userUpdatedAt: Date };

const columns = {
  membershipId: memberships.id,
  userId: memberships.userId,
  organizationId: memberships.organizationId,
  name: users.name,
  joinedAt: memberships.createdAt,
  userUpdatedAt: users.updatedAt,
};

function toDocument(row: Row): SearchDocument {
  const updatedAt = row.userUpdatedAt > row.joinedAt ? row.userUpdatedAt : row.joinedAt;
  return { type: 'User', id: row.userId, organizationId: row.organizationId, minRole: 'VIEWER', title: row.name, body: '', keywords: {}, updatedAt: updatedAt.toISOString() };
}

const membersOf = (db: Database) => db.select(columns).from(memberships).innerJoin(users, eq(users.id, memberships.userId));

export const userSearchSource: SearchSource = {
  streams: [MEMBERS],
  refsOf: (event) => {
    const userId = event.payload.userId;
    return typeof userId === 'string' && event.organizationId ? [{ type: 'User', id: userId, organizationId: event.organizationId }] : [];
  },
  documents: async (db, refs: SearchDocumentRef[]) => {
    const users = refs.filter((r) => r.type === 'User');
    if (users.length === 0) return [];
    const rows = await membersOf(db).where(or(...users.map((r) => and(eq(memberships.organizationId, r.organizationId), eq(memberships.userId, r.id)))));
    return rows.map(toDocument);
  },
  scopeOf: (stream) => {
    const match = /^user\.org:([0-9a-f-]{36}):members$/.exec(stream);
    return match ? { organizationId: match[1]!, types: ['User'] } : null;
  },
  scopeDocuments: async (db, scope) => {
    if (!scope.types.includes('User')) return [];
    return (await membersOf(db).where(eq(memberships.organizationId, scope.organizationId)).orderBy(asc(memberships.id))).map(toDocument);
  },
  allDocuments: (db, after, limit) =>
    pagedDocuments(
      db,
      [
        {
          keyPattern: UUID,
          page: async (db, afterKey, limit) =>
            (
              await membersOf(db)
                .where(afterKey === null ? undefined : gt(memberships.id, afterKey))
                .orderBy(asc(memberships.id))
                .limit(limit)
            ).map((row) => ({ key: row.membershipId, document: toDocument(row) })),
        },
      ],
      after,
      limit,
    ),
};
