import { byIdLoader, type BaseContext, type Database, type SubgraphContext } from '@organoise/core';
import { visibleUsers } from './domains/accounts/accounts.js';
import { organizationsForViewer } from './domains/organizations/organizations.js';
import type { UserServices } from './services.js';

export type { UserServices };

export type UserContext = SubgraphContext<UserServices, ReturnType<typeof createLoaders>>;

/** Per-request loaders: every entity lookup in one request is batched into one query. */
export function createLoaders(db: Database, base: BaseContext) {
  return {
    user: byIdLoader((ids) => visibleUsers({ db, viewer: base.viewer }, ids), (u) => u.id),
    organization: byIdLoader((ids) => organizationsForViewer({ db, viewer: base.viewer }, ids), (o) => o.id),
  };
}
