import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { compose, validateOperations } from './compose-lib.js';
import { SUBGRAPHS } from './subgraphs.js';

/**
 * Writes schema/supergraph.graphql and schema/api.graphql from the subgraphs' SDL, then checks
 * that every operation the clients send (schema/operations/*.graphql) is still valid.
 * `--check` writes nothing and fails when the committed files are stale (CI runs it).
 */
const check = process.argv.includes('--check');
const here = (name: string) => new URL(`./${name}`, import.meta.url);

const { supergraphSdl, apiSdl } = compose(SUBGRAPHS);
const outputs: [string, string][] = [
  ['supergraph.graphql', supergraphSdl.endsWith('\n') ? supergraphSdl : `${supergraphSdl}\n`],
  ['api.graphql', apiSdl],
];

let failed = false;
for (const [name, content] of outputs) {
  let current = '';
  try {
    current = readFileSync(here(name), 'utf8');
  } catch {}
  if (current === content) continue;
  if (check) {
    console.error(`schema/${name} is stale: run \`npm run compose\` and commit the result.`);
    failed = true;
  } else {
    writeFileSync(here(name), content);
    console.log(`wrote schema/${name}`);
  }
}

const operationFiles = readdirSync(here('operations')).filter((f) => f.endsWith('.graphql'));
const problems = validateOperations(
  apiSdl,
  operationFiles.map((file) => ({ file: `schema/operations/${file}`, source: readFileSync(here(`operations/${file}`), 'utf8') })),
);
if (problems.length > 0) {
  console.error(`The schema would break ${problems.length} client operation problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  failed = true;
}
if (failed) process.exit(1);
console.log(`supergraph ${check ? 'is up to date' : 'composed'}; ${operationFiles.length} client operation file(s) valid`);
