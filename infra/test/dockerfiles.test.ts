import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, matchesGlob, posix, resolve } from 'node:path';
import { DEFAULT_GATEWAY_PORT, portOffsetOf, SUBGRAPH_NAMES, type SubgraphName } from '@organoise/core';
import { describe, expect, it } from 'vitest';
import { argsOf, flagsOf, jsonOf, stagesOf, type Stage } from './dockerfile.js';

// The images' policies, read from the Dockerfiles themselves (dockerfile-ast), since no Docker
// engine runs here to build them: one Dockerfile per service, multi-stage, a slim runtime base
// holding production dependencies only, an unprivileged user, a HEALTHCHECK, the compiled entry
// run by node (never tsx), and every path copied from the context present in the repository (and
// not ignored by .dockerignore) or produced by an earlier stage. infra/test/compiled.e2e.ts runs the
// compiled output itself.

const root = resolve(import.meta.dirname, '../..');
const SERVICES = ['gateway', ...SUBGRAPH_NAMES] as const;
type Service = (typeof SERVICES)[number];

const workspaceOf = (service: Service) => (service === 'gateway' ? 'gateway' : `subgraphs/${service}`);
const portOf = (service: Service) => DEFAULT_GATEWAY_PORT + (service === 'gateway' ? 0 : portOffsetOf(service as SubgraphName));
const hasBuildScript = (workspace: string) => {
  const manifest = join(root, workspace, 'package.json');
  return existsSync(manifest) && typeof (JSON.parse(readFileSync(manifest, 'utf8')) as { scripts?: Record<string, string> }).scripts?.build === 'string';
};

const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const isIgnored = (path: string) => ignored.some((pattern) => matchesGlob(path, pattern) || matchesGlob(path, `${pattern}/**`));

const workdirOf = (stage: Stage) => argsOf(stage.instructions.find((i) => i.getKeyword() === 'WORKDIR') ?? stage.instructions[0]!)[0];

/** Every way one service's Dockerfile breaks the policies; empty when it keeps them all. */
export function dockerfileProblems(text: string, service: Service): string[] {
  const problems: string[] = [];
  const stages = stagesOf(text);
  const runtime = stages.at(-1);
  if (stages.length < 2 || !runtime) return ['not multi-stage: the image would carry the build (dev dependencies, sources)'];
  const workspace = workspaceOf(service);
  const of = (keyword: string) => runtime.instructions.filter((i) => i.getKeyword() === keyword);
  const stageNamed = (name: string) => stages.find((s) => s.name === name);

  // A clean, slim base: not an earlier stage (which holds the build), not a full Debian image.
  if (stageNamed(runtime.base)) problems.push(`runtime stage starts from the build stage ${runtime.base}`);
  if (!/^node:\d+-[a-z]+-slim$/.test(runtime.base)) problems.push(`runtime base ${runtime.base} is not a pinned node:<major>-<debian>-slim image`);
  // Every stage built FROM an image Docker can pull, or FROM an earlier stage.
  for (const stage of stages) if (!stageNamed(stage.base) && !/^node:/.test(stage.base)) problems.push(`stage ${stage.name}: unknown base ${stage.base}`);

  const users = of('USER').map((u) => argsOf(u)[0] ?? '');
  const user = users.at(-1);
  if (!user) problems.push('no USER: the service would run as root');
  else if (/^(root|0)(:|$)/.test(user)) problems.push(`runs as ${user}`);

  const env = of('ENV').flatMap(argsOf).join(' ');
  if (!/\bNODE_ENV=production\b/.test(env)) problems.push('NODE_ENV=production is not set');
  if (!new RegExp(`\\bPORT=${portOf(service)}\\b`).test(env)) problems.push(`PORT is not ${portOf(service)}`);
  if (!of('EXPOSE').some((e) => argsOf(e).includes(String(portOf(service))))) problems.push(`does not EXPOSE ${portOf(service)}`);

  const healthchecks = of('HEALTHCHECK');
  const healthcheck = healthchecks.at(-1);
  const probe = healthcheck ? argsOf(healthcheck).join(' ') : '';
  if (!healthcheck || /\bNONE\b/.test(probe)) problems.push('no HEALTHCHECK');
  else if (!/\bCMD\b.*infra\/docker\/healthcheck\.mjs/.test(probe)) problems.push(`HEALTHCHECK does not run infra/docker/healthcheck.mjs: ${probe}`);

  const cmd = of('CMD').at(-1);
  const command = cmd ? jsonOf(cmd) : null;
  if (of('ENTRYPOINT').length > 0) problems.push('an ENTRYPOINT: the CMD alone says what runs');
  if (!cmd) problems.push('no CMD');
  else if (!command) problems.push('CMD in shell form: signals would go to a shell, not to node');
  else {
    if (command[0] !== 'node') problems.push(`CMD runs ${command[0]}, not node`);
    if (command.some((part) => /\btsx\b|\.ts$/.test(part))) problems.push(`CMD runs TypeScript: ${command.join(' ')}`);
    if (!command.includes('--conditions=organoise-compiled')) problems.push('CMD lacks --conditions=organoise-compiled (@organoise/core would resolve to its sources)');
    if (command.at(-1) !== `${workspace}/dist/main.js`) problems.push(`CMD does not run ${workspace}/dist/main.js`);
  }

  // COPY: from the context, a path of the repository that .dockerignore keeps; from a stage, what
  // that stage has (the context's paths under /app, a workspace's dist/ from its build script, a
  // node_modules the stage installed).
  const copied: string[] = [];
  stages.forEach((stage, index) => {
    const earlier = new Set(stages.slice(0, index).map((s) => s.name));
    for (const copy of stage.instructions.filter((i) => i.getKeyword() === 'COPY' || i.getKeyword() === 'ADD')) {
      if (copy.getKeyword() === 'ADD') problems.push('ADD: use COPY');
      const from = flagsOf(copy).from ?? null;
      const args = argsOf(copy);
      const sources = args.slice(0, -1);
      if (from !== null && !earlier.has(from)) {
        problems.push(`COPY --from=${from}: no earlier stage of that name`);
        continue;
      }
      for (const source of sources) {
        if (from !== null && source === workdirOf(stageNamed(from)!)) {
          // A stage's whole WORKDIR: what it copied there from the context, and what it installed.
          const fromStage = stageNamed(from)!;
          if (stage === runtime && !fromStage.instructions.some((i) => i.getKeyword() === 'RUN' && argsOf(i).join(' ').includes('npm ci --omit=dev'))) {
            problems.push(`COPY ${source} from ${from}: that stage does not install with npm ci --omit=dev`);
          }
          if (stage === runtime) {
            copied.push('node_modules');
            for (const copy of fromStage.instructions.filter((i) => i.getKeyword() === 'COPY' && !flagsOf(i).from)) {
              const [destination, ...files] = argsOf(copy).reverse();
              for (const file of files) copied.push(destination!.endsWith('/') ? posix.join(destination!, posix.basename(file)) : destination!);
            }
          }
          continue;
        }
        if (from === null) {
          if (source === '.') continue;
          if (!existsSync(join(root, source))) problems.push(`COPY ${source}: not in the repository`);
          else if (isIgnored(source)) problems.push(`COPY ${source}: excluded by .dockerignore`);
          continue;
        }
        const fromStage = stageNamed(from)!;
        const installs = (flag: string) => fromStage.instructions.some((i) => i.getKeyword() === 'RUN' && argsOf(i).join(' ').includes(flag));
        const inRepo = source.replace(/^\/app\//, '');
        if (/\/node_modules$/.test(source)) {
          if (stage === runtime && !installs('npm ci --omit=dev')) problems.push(`COPY ${source} from ${from}: that stage does not install with npm ci --omit=dev`);
        } else if (/\/dist$/.test(inRepo) && source.startsWith('/app/')) {
          const built = inRepo.replace(/\/dist$/, '');
          if (!hasBuildScript(built)) problems.push(`COPY ${source}: ${built} has no build script`);
          else if (!stages.slice(0, stages.indexOf(fromStage) + 1).some((s) => s.instructions.some((i) => i.getKeyword() === 'RUN' && /npm run build\b/.test(argsOf(i).join(' '))))) {
            problems.push(`COPY ${source}: no stage up to ${from} runs npm run build`);
          }
        } else if (!source.startsWith('/app/') || !existsSync(join(root, inRepo))) problems.push(`COPY ${source} from ${from}: not in the repository`);
        else if (isIgnored(inRepo)) problems.push(`COPY ${source}: excluded by .dockerignore`);
        if (stage === runtime) copied.push(inRepo);
      }
    }
  });
  // What the CMD needs in the runtime image: its workspace's and core's manifests and dist, the
  // production dependencies, and the healthcheck the HEALTHCHECK runs.
  for (const needed of [`${workspace}/package.json`, `${workspace}/dist`, 'packages/core/package.json', 'packages/core/dist', 'infra/docker/healthcheck.mjs']) {
    if (!copied.includes(needed)) problems.push(`runtime stage lacks ${needed}`);
  }
  if (!copied.some((path) => path.endsWith('node_modules'))) problems.push('runtime stage has no node_modules');
  if (service !== 'gateway' && !copied.includes(`${workspace}/drizzle`)) problems.push(`runtime stage lacks ${workspace}/drizzle (migrations run at start)`);
  if (service === 'gateway') {
    for (const needed of ['schema/supergraph.graphql', 'schema/safelist.json', 'web/dist', 'playground/dist']) if (!copied.includes(needed)) problems.push(`runtime stage lacks ${needed}`);
  }
  return problems;
}

const dockerfileOf = (service: Service) => join(root, 'infra/docker', `${service}.Dockerfile`);

describe('the Dockerfiles (infra/docker)', () => {
  it('are one per service, and nothing else', () => {
    const files = readdirSync(join(root, 'infra/docker')).filter((name) => name.endsWith('Dockerfile'));
    expect(files.sort()).toEqual(SERVICES.map((s) => `${s}.Dockerfile`).sort());
  });

  for (const service of SERVICES) {
    it(`${service}: multi-stage, slim, non-root, HEALTHCHECK, node on the compiled entry, every COPY path present`, () => {
      expect(dockerfileProblems(readFileSync(dockerfileOf(service), 'utf8'), service)).toEqual([]);
    });
  }

  it('names what is wrong with a single-stage image that runs tsx as root (the policies can fail)', () => {
    const bad = [
      'FROM node:24-bookworm',
      'WORKDIR /app',
      'COPY . .',
      'COPY no-such-folder ./x',
      'RUN npm ci',
      'CMD npx tsx gateway/src/main.ts',
    ].join('\n');
    expect(dockerfileProblems(bad, 'gateway')).toEqual(['not multi-stage: the image would carry the build (dev dependencies, sources)']);
    const twoStages = `${bad}\nFROM node:24-bookworm-slim\nCOPY --from=nowhere /app/gateway/dist ./gateway/dist\nCOPY data ./data\nCMD ["npx", "tsx", "gateway/src/main.ts"]`;
    const problems = dockerfileProblems(twoStages, 'gateway');
    expect(problems).toEqual(
      expect.arrayContaining([
        'no USER: the service would run as root',
        'no HEALTHCHECK',
        'CMD runs npx, not node',
        'CMD runs TypeScript: npx tsx gateway/src/main.ts',
        'COPY no-such-folder: not in the repository',
        'COPY --from=nowhere: no earlier stage of that name',
        'NODE_ENV=production is not set',
        'runtime stage lacks gateway/dist',
      ]),
    );
  });
});
