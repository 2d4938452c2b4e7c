import { createRequire } from 'node:module';
import { allow, chain, deny, race } from 'graphql-shield';
import { describe, expect, it } from 'vitest';

// graphql-shield 7.6.5 (its last release) imports `isUndefined` from 'util', which Node 23 removed:
// unpatched, its ESM build fails to import and its CJS build throws "isUndefined is not a function"
// at the end of every chain() and race(). patches/graphql-shield+7.6.5.patch (patch-package, at
// npm install) replaces it with `value === undefined`. These tests fail without the patch.
const require = createRequire(import.meta.url);
const cjs = require('graphql-shield') as typeof import('graphql-shield');

const resolveWith = (rule: { resolve: (...args: never[]) => Promise<unknown> }) =>
  rule.resolve(...([{}, {}, { _shield: { cache: {} } }, {}, { allowExternalErrors: false, debug: false, fallbackError: new Error('no'), hashFunction: () => '' }] as never[]));

describe('graphql-shield on this Node (patched at install)', () => {
  it('imports and runs chain and race from the ES module build', async () => {
    expect(await resolveWith(chain(allow, allow) as never)).toBe(true);
    expect(await resolveWith(race(deny, allow) as never)).toBe(true);
    expect(await resolveWith(race(deny, deny) as never)).toBe(false);
  });

  it('runs chain and race from the CommonJS build', async () => {
    expect(await resolveWith(cjs.chain(cjs.allow, cjs.allow) as never)).toBe(true);
    expect(await resolveWith(cjs.race(cjs.deny, cjs.allow) as never)).toBe(true);
  });
});
