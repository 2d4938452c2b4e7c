import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';

/**
 * The Dockerfiles as the tests read them (dockerfile-ast): stages and their instructions, and
 * assembleImage, which lays out a Dockerfile's runtime image as a folder without Docker.
 */

export type Stage = { name: string | null; base: string; instructions: Instruction[] };

export function stagesOf(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const args = argsOf(instruction);
    if (instruction.getKeyword() === 'FROM') {
      const as = args.findIndex((a) => a.toUpperCase() === 'AS');
      stages.push({ base: args[0] ?? '', name: as >= 0 ? (args[as + 1] ?? null) : null, instructions: [] });
    } else stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

export const argsOf = (instruction: Instruction) => instruction.getArguments().map((a) => a.getValue());

export const flagsOf = (instruction: Instruction): Record<string, string | null> =>
  'getFlags' in instruction ? Object.fromEntries((instruction as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] }).getFlags().map((f) => [f.getName(), f.getValue()])) : {};

/** An exec-form (JSON) instruction's strings, or null for the shell form. */
export const jsonOf = (instruction: Instruction): string[] | null => {
  try {
    const parsed = JSON.parse(instruction.getArgumentsContent() ?? '') as unknown;
    return Array.isArray(parsed) && parsed.every((p) => typeof p === 'string') ? parsed : null;
  } catch {
    return null;
  }
};

/** `ENV A=1 B=2` (the only form the Dockerfiles use) as pairs. */
export const envOf = (instruction: Instruction): [string, string][] =>
  argsOf(instruction).map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`ENV ${pair}: only KEY=value pairs are read`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  });

export type AssembledImage = {
  /** The runtime stage's WORKDIR, as a folder. */
  dir: string;
  env: Record<string, string>;
  cmd: string[];
  /** The HEALTHCHECK's command (exec form). */
  healthcheck: string[];
  /** What the RUN instructions printed. */
  log: string;
};

const run = promisify(execFile);

/**
 * Lays out the runtime image of `dockerfile` under `into` without Docker, by doing what its
 * instructions do: the first stage (the build) is the repository at `root` as it is (the caller
 * has built what the image needs), every later stage but the last runs its COPYs and RUNs in a
 * folder of its own (`/app` in a RUN names the build stage's tree), and the last stage's COPYs
 * fill `dir`. Its ENV, CMD and HEALTHCHECK are returned for the caller to run. What is not done:
 * the base image (this machine's Node runs it), USER (files keep this user), HEALTHCHECK timing.
 * Any instruction beyond FROM, WORKDIR, COPY, RUN, ENV, USER, EXPOSE, HEALTHCHECK and CMD fails.
 * `skipCopiesOf` names sources left out on purpose (the caller says which and why).
 */
export async function assembleImage(dockerfile: string, root: string, into: string, options: { skipCopiesOf?: string[] } = {}): Promise<AssembledImage> {
  const stages = stagesOf(readFileSync(dockerfile, 'utf8'));
  const [build, ...rest] = stages;
  const runtime = rest.at(-1);
  if (!build || !runtime) throw new Error(`${dockerfile}: not multi-stage`);
  mkdirSync(into, { recursive: true });
  // Absolute paths of each stage's filesystem that matter: the build stage's /app is the repository.
  symlinkSync(root, join(into, 'app'));
  const folders = new Map<string, (path: string) => string>([[build.name ?? '', (path) => (path.startsWith('/app') ? join(root, path.slice(4)) : fail(path))]]);
  function fail(path: string): never {
    throw new Error(`${dockerfile}: ${path} is outside what the assembly models`);
  }
  const image: AssembledImage = { dir: '', env: {}, cmd: [], healthcheck: [], log: '' };
  for (const stage of rest) {
    const own = stage === runtime ? join(into, 'runtime') : join(into, stage.name ?? 'stage');
    let workdir = '/';
    // A later stage built FROM an earlier one sees that one's paths; its WORKDIR is a folder of its own.
    const parent = folders.get(stage.base);
    const ownRoot = (() => {
      let first: string | null = null;
      return (path: string) => {
        first ??= path;
        return path === first || path.startsWith(`${first}/`) ? join(own, path.slice(first.length)) : parent ? parent(path) : fail(path);
      };
    })();
    const resolvePath = (path: string) => ownRoot(posix.resolve(workdir, path));
    for (const instruction of stage.instructions) {
      const keyword = instruction.getKeyword();
      const args = argsOf(instruction);
      if (keyword === 'WORKDIR') {
        workdir = posix.resolve(workdir, args[0]!);
        mkdirSync(resolvePath('.'), { recursive: true });
      } else if (keyword === 'COPY') {
        const from = flagsOf(instruction).from ?? null;
        const source = from === null ? (path: string) => join(root, path) : (folders.get(from) ?? fail(`--from=${from}`));
        const destination = args.at(-1)!;
        for (const path of args.slice(0, -1)) {
          if (options.skipCopiesOf?.includes(path)) continue;
          const origin = source(path);
          const isDirectory = statSync(origin).isDirectory();
          const target = isDirectory || !destination.endsWith('/') ? resolvePath(destination) : join(resolvePath(destination), basename(path));
          // Docker copies a folder's contents; npm's workspace links stay links.
          cpSync(origin, target, { recursive: true, verbatimSymlinks: true });
        }
      } else if (keyword === 'RUN') {
        // An absolute /app/... is the build stage's; a relative path stays as written.
        const command = args.join(' ').replace(/(^|\s)\/app\//g, `$1${join(into, 'app')}/`);
        // As in a docker build: none of this process's npm_config_*, NODE_ENV or test settings; npm
        // takes what its cache holds without asking the registry again (the tests' only liberty).
        const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => ['PATH', 'HOME', 'LANG', 'TMPDIR'].includes(key))), npm_config_prefer_offline: 'true' };
        const { stdout, stderr } = await run('sh', ['-c', command], { cwd: resolvePath('.'), env, maxBuffer: 64 * 1024 * 1024 });
        image.log += `$ ${command}\n${stdout}${stderr}`;
      } else if (keyword === 'ENV') {
        if (stage === runtime) for (const [key, value] of envOf(instruction)) image.env[key] = value;
      } else if (keyword === 'CMD' || keyword === 'HEALTHCHECK') {
        const strings = keyword === 'CMD' ? jsonOf(instruction) : JSON.parse(/CMD\s+(\[.*\])\s*$/.exec(instruction.getArgumentsContent() ?? '')?.[1] ?? 'null');
        if (!strings) throw new Error(`${dockerfile}: ${keyword} is not in exec form`);
        if (keyword === 'CMD') image.cmd = strings;
        else image.healthcheck = strings;
      } else if (keyword !== 'USER' && keyword !== 'EXPOSE') throw new Error(`${dockerfile}: ${keyword} is not modelled`);
    }
    if (stage.name) folders.set(stage.name, ownRoot);
    if (stage === runtime) image.dir = resolvePath('.');
  }
  // Only the runtime stage's folder is the image: the link to the repository and the other
  // stages' folders go (so that removing `into` later cannot reach the repository).
  unlinkSync(join(into, 'app'));
  for (const stage of rest.slice(0, -1)) await rm(join(into, stage.name ?? 'stage'), { recursive: true, force: true });
  return image;
}
