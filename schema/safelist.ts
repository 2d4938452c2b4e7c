import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { getOperationAST, Kind, parse, print, visit, type DefinitionNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';

/**
 * Writes schema/safelist.json, the gateway's persisted-operation safelist, from the operations
 * the clients send: schema/operations/*.graphql, and the persisted-documents manifests that
 * graphql-codegen writes for the apps (PERSISTED below). It is an Apollo persisted query manifest:
 * one entry per operation, whose id is the sha256 of its body (what a client sends as
 * `persistedQuery.sha256Hash`). Bodies from schema/operations/ are the operation and the fragments
 * it uses, printed canonically; an app's are the exact text its hash was taken of, since the app
 * sends only the hash. `--check` writes nothing and fails when the committed file is stale (run it
 * after codegen: scripts/check-generated.ts does).
 */
const check = process.argv.includes('--check');
const here = (name: string) => new URL(`./${name}`, import.meta.url);

const definitions: DefinitionNode[] = readdirSync(here('operations'))
  .filter((file) => file.endsWith('.graphql'))
  .sort()
  .flatMap((file) => parse(readFileSync(here(`operations/${file}`), 'utf8')).definitions);
const fragments = new Map(definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));

/** The fragments a definition spreads, directly or through other fragments, in name order. */
function fragmentsOf(definition: DefinitionNode): FragmentDefinitionNode[] {
  const found = new Map<string, FragmentDefinitionNode>();
  const walk = (node: DefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (!fragment) throw new Error(`unknown fragment ${spread.name.value}`);
        if (found.has(fragment.name.value)) return;
        found.set(fragment.name.value, fragment);
        walk(fragment);
      },
    });
  walk(definition);
  return [...found.values()].sort((a, b) => a.name.value.localeCompare(b.name.value));
}

const operations = definitions
  .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
  .map((operation) => {
    const name = operation.name?.value;
    if (!name) throw new Error('every client operation needs a name');
    const body = [operation, ...fragmentsOf(operation)].map((d) => print(d)).join('\n\n');
    return { id: createHash('sha256').update(body).digest('hex'), name, type: operation.operation, body };
  })
  .sort((a, b) => a.name.localeCompare(b.name));

const names = operations.map((o) => o.name);
const duplicate = names.find((name, i) => names.indexOf(name) !== i);
if (duplicate) throw new Error(`operation name ${duplicate} is used twice`);

/**
 * graphql-codegen's client preset (`persistedDocuments`) writes { hash: text } for the apps' one set
 * of documents (packages/client, which web and mobile import). Names may repeat across sources (the
 * apps' MyTasks is not schema/operations' MyTasks: they differ in text, so in id).
 */
const PERSISTED = ['../packages/client/src/gql/persisted-documents.json'];
const listed = new Set(operations.map((o) => o.id));
for (const path of PERSISTED) {
  if (!existsSync(here(path))) continue;
  const documents = JSON.parse(readFileSync(here(path), 'utf8')) as Record<string, string>;
  for (const [id, body] of Object.entries(documents)) {
    if (createHash('sha256').update(body).digest('hex') !== id) throw new Error(`${path}: ${id} is not the sha256 of its text (hashAlgorithm must be plain sha256 hex)`);
    if (listed.has(id)) continue;
    const operation = getOperationAST(parse(body));
    if (!operation?.name) throw new Error(`${path}: ${id} is not one named operation`);
    listed.add(id);
    operations.push({ id, name: operation.name.value, type: operation.operation, body });
  }
}
operations.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));

const manifest = `${JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }, null, 2)}\n`;
let current = '';
try {
  current = readFileSync(here('safelist.json'), 'utf8');
} catch {}
if (current === manifest) {
  console.log(`schema/safelist.json is up to date (${operations.length} operations)`);
} else if (check) {
  console.error('schema/safelist.json is stale: run `npx tsx schema/safelist.ts` and commit the result.');
  process.exit(1);
} else {
  writeFileSync(here('safelist.json'), manifest);
  console.log(`wrote schema/safelist.json (${operations.length} operations)`);
}
