import { builtinModules } from 'node:module';
import { cpSync, existsSync, globSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SUBGRAPH_NAMES } from '@organoise/core';
import { build } from 'esbuild';

/**
 * The production build of the server workspaces (`npm run build`, each one's `build` script):
 * every `src/**\/*.ts` transpiled file by file to `dist/` with the same layout (esbuild, no
 * bundling, no type check: `npm run check` type-checks), and the assets beside the sources
 * (`schema.graphql` per domain, any .sql or .json) copied next to them. File by file, because each
 * domain finds its SDL from its own `import.meta.url` and each subgraph its `drizzle/` migrations
 * from `../drizzle`: a bundle would give every module one URL. Imports already name `.js` files,
 * so the output runs as it is under Node.
 *
 * Between workspaces the packages' exports name the TypeScript sources (tsx, vitest and tsc read
 * them); @organoise/core's export has an `organoise-compiled` condition pointing at its dist, so
 * production runs `node --conditions=organoise-compiled <workspace>/dist/main.js` (infra/docker/).
 * src/testing (test helpers, which import dev dependencies) is left out.
 */
export const COMPILED_CONDITION = 'organoise-compiled';

const root = resolve(import.meta.dirname, '..');

/** Every workspace a service image holds, relative to the repository root. */
export const SERVICE_WORKSPACES: readonly string[] = ['packages/core', 'gateway', ...SUBGRAPH_NAMES.map((name) => `subgraphs/${name}`)];

const ASSETS = ['**/*.graphql', '**/*.sql', '**/*.json'];

export type BuildResult = { workspace: string; files: number; bytes: number; ms: number };

export async function buildWorkspace(workspace: string): Promise<BuildResult> {
  const started = performance.now();
  const dir = resolve(root, workspace);
  const src = join(dir, 'src');
  const dist = join(dir, 'dist');
  const exclude = ['testing/**', '**/*.d.ts', '**/*.test.ts'];
  const entryPoints = globSync('**/*.ts', { cwd: src, exclude }).map((file) => join(src, file));
  if (entryPoints.length === 0) throw new Error(`${workspace}: no sources under src/`);
  rmSync(dist, { recursive: true, force: true });
  await build({
    entryPoints,
    outdir: dist,
    outbase: src,
    bundle: false,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    // Names in stack traces and logs stay as written without keepNames: nothing is bundled or
    // minified, so nothing is renamed. keepNames would wrap every named function in a __name() call,
    // which makes each closure several times bigger (about 320 bytes instead of 65 on Node 24,
    // measured per socket in bench:fanout's heap snapshots).
    keepNames: false,
    logLevel: 'warning',
  });
  const assets = globSync(ASSETS, { cwd: src, exclude: ['testing/**'] });
  for (const file of assets) {
    mkdirSync(dirname(join(dist, file)), { recursive: true });
    cpSync(join(src, file), join(dist, file));
  }
  const outputs = globSync('**/*', { cwd: dist }).filter((file) => statSync(join(dist, file)).isFile());
  const bytes = outputs.reduce((sum, file) => sum + statSync(join(dist, file)).size, 0);
  return { workspace: relative(root, dir) || '.', files: outputs.length, bytes, ms: Math.round(performance.now() - started) };
}

/** Builds the named workspaces (default: every service workspace), core first. */
export async function buildServices(workspaces: readonly string[] = SERVICE_WORKSPACES): Promise<BuildResult[]> {
  const results: BuildResult[] = [];
  for (const workspace of workspaces) results.push(await buildWorkspace(workspace));
  return results;
}

/**
 * What a service loads that its own package.json (or the workspace that holds the importing file)
 * does not list under `dependencies`: an image holds production dependencies only (npm ci
 * --omit=dev), so such an import would fail there and nowhere else. Follows the static and literal
 * dynamic imports from `src/main.ts` through every workspace (esbuild's resolver, nothing written),
 * package imports left unresolved. Answers `file: package` lines; empty when all is declared.
 */
export async function undeclaredImports(workspaceDir: string): Promise<string[]> {
  const entry = join(workspaceDir, 'src', 'main.ts');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    plugins: [
      {
        name: 'packages-external',
        setup(on) {
          // Workspace packages are followed into (their sources); every other package stays an import.
          on.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@organoise/') ? undefined : { path: args.path, external: true }));
        },
      },
    ],
  });
  const builtins = new Set(builtinModules);
  const manifests = new Map<string, Set<string>>();
  const declaredFor = (file: string): Set<string> => {
    let dir = dirname(resolve(file));
    while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
    let declared = manifests.get(dir);
    if (!declared) {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      declared = new Set(Object.keys(manifest.dependencies ?? {}));
      manifests.set(dir, declared);
    }
    return declared;
  };
  const problems: string[] = [];
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    for (const imported of input.imports) {
      if (!imported.external || imported.path.startsWith('node:') || builtins.has(imported.path)) continue;
      const parts = imported.path.split('/');
      const name = imported.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
      if (!declaredFor(file).has(name)) problems.push(`${file.split(sep).join('/')}: ${name}`);
    }
  }
  return problems;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // `tsx scripts/build-service.ts [workspace...]`; a workspace's own `build` script passes `.`.
  const named = process.argv.slice(2).map((arg) => relative(root, resolve(arg)));
  for (const result of await buildServices(named.length > 0 ? named : SERVICE_WORKSPACES)) {
    console.log(`${result.workspace}: ${result.files} files, ${(result.bytes / 1024).toFixed(0)} KiB in ${result.ms} ms`);
  }
}
