import { execFileSync } from 'node:child_process';

/**
 * Generated files are committed; this fails when one is stale (CI runs it through `npm test`):
 * the composed supergraph and API schema, each subgraph's drizzle migrations, docs/errors.md.
 * It regenerates in place and asks git whether anything changed, so run it on a clean tree.
 */
const run = (cmd: string, args: string[], cwd?: string) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd, encoding: 'utf8' });

run('npx', ['tsx', 'schema/compose.ts', '--check']);
for (const subgraph of ['user', 'workflow', 'file', 'analytics']) {
  run('npx', ['drizzle-kit', 'generate', '--config', 'drizzle.config.ts'], `subgraphs/${subgraph}`);
}
run('npx', ['tsx', 'scripts/generate.ts']);
const drift = run('git', ['status', '--porcelain', '--', 'schema', 'subgraphs', 'docs/errors.md']).trim();
if (drift) {
  console.error(`Generated files are stale (regenerate with \`npm run generate\`, \`npm run compose\` and drizzle-kit, then commit):\n${drift}`);
  process.exit(1);
}
console.log('generated files are up to date');
