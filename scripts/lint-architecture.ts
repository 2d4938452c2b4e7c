import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/**
 * Lint that guards the architecture, not taste (run per workspace by `turbo run lint`):
 * 1. Only a service's `env.ts` reads `process.env`, so every setting is declared and validated once.
 * 2. A subgraph never imports another subgraph, the gateway or the platform: subgraphs meet only in the graph.
 * 3. Client apps (web, mobile, playground) never import server packages or server-only libraries.
 * 4. The gateway never imports a subgraph (it knows them only from the supergraph).
 * 5. Libraries (packages/*) never import an application: the gateway, a subgraph or the platform
 *    (platform/, which composes them all and is started from scripts/).
 */
const root = resolve(import.meta.dirname, '..');
const target = resolve(process.argv[2] ?? '.');
const rel = relative(root, target).split(sep).join('/');

const SERVER_ONLY = ['@organoise/core', '@organoise/gateway', '@organoise/platform', 'drizzle-orm', 'postgres', 'express', '@apollo/server', '@apollo/gateway', '@apollo/subgraph'];

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path));
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const importsOf = (source: string) => [...source.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);

const problems: string[] = [];
const isClient = /^(web|mobile|playground)(\/|$)/.test(rel);
const isSubgraph = rel.startsWith('subgraphs/');
const isGateway = rel === 'gateway';
const isLibrary = rel.startsWith('packages/');

for (const file of files(target)) {
  const name = relative(root, file).split(sep).join('/');
  const source = readFileSync(file, 'utf8');
  const inTests = /(^|\/)test\//.test(name) || /\.(test|e2e)\.tsx?$/.test(name);
  if (name === 'scripts/lint-architecture.ts') continue; // it names the rules it enforces
  if (/process\.env\b/.test(source) && !/(^|\/)env\.ts$/.test(name) && !inTests && !name.endsWith('.config.ts')) {
    problems.push(`${name}: reads process.env; declare the setting in the service's env.ts instead`);
  }
  for (const spec of importsOf(source)) {
    if (isSubgraph && !inTests && /^@organoise\/(subgraph-|gateway|platform)/.test(spec)) problems.push(`${name}: a subgraph imports ${spec}`);
    if (isGateway && !inTests && /^@organoise\/(subgraph-|platform)/.test(spec)) problems.push(`${name}: the gateway imports ${spec}`);
    if (isLibrary && /^@organoise\/(subgraph-|gateway|platform)/.test(spec)) problems.push(`${name}: a library imports the application ${spec}`);
    if (isClient && SERVER_ONLY.some((s) => spec === s || spec.startsWith(`${s}/`) || spec.startsWith('@organoise/subgraph-'))) {
      problems.push(`${name}: a client imports server package ${spec}`);
    }
  }
}

if (problems.length > 0) {
  console.error(problems.map((p) => `lint-architecture: ${p}`).join('\n'));
  process.exit(1);
}
