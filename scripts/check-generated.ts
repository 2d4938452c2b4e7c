import { execFileSync } from 'node:child_process';
import { SUBGRAPH_NAMES } from '@organoise/core';

/**
 * Generated files are committed; this fails when one is stale (CI runs it through `npm test`):
 * the composed supergraph and API schema, each subgraph's drizzle migrations, docs/errors.md and
 * the operation types and persisted documents of the apps (packages/client/src/gql, which web
 * and mobile import), and schema/safelist.json, which lists those documents.
 * It regenerates in place and asks git whether any generated path changed (uncommitted edits to
 * those paths count as drift too).
 */
const run = (cmd: string, args: string[], cwd?: string) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd, encoding: 'utf8' });

try {
  run('npx', ['tsx', 'schema/compose.ts', '--check']);
} catch {
  process.exit(1); // the script has said what is stale
}
for (const subgraph of SUBGRAPH_NAMES) {
  run('npx', ['drizzle-kit', 'generate', '--config', 'drizzle.config.ts'], `subgraphs/${subgraph}`);
}
run('node', [new URL('../node_modules/.bin/drizzle-kit', import.meta.url).pathname, 'generate', '--config', 'drizzle.config.ts'], 'packages/core/test/fixtures');
run('npx', ['tsx', 'scripts/generate.ts']);
// generate.ts also rewrites schema/safelist.json after codegen, since it lists the apps' persisted documents.
const generated = ['schema/supergraph.graphql', 'schema/api.graphql', 'schema/safelist.json', 'docs/errors.md', 'docs/api.md', 'packages/client/src/gql', 'packages/core/test/fixtures/event-migrations', ...SUBGRAPH_NAMES.map((s) => `subgraphs/${s}/drizzle`)];
const drift = run('git', ['status', '--porcelain', '--', ...generated]).trim();
if (drift) {
  console.error(`Generated files are stale (regenerate with \`npm run generate\`, \`npm run compose\` and drizzle-kit, then commit):\n${drift}`);
  process.exit(1);
}
console.log('generated files are up to date');
