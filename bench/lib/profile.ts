import { readFileSync } from 'node:fs';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  selfMs: number;
  share: number;
}

/** Where a frame comes from: the npm package, node itself, or our own code. */
function originOf(url: string): string {
  if (url === '') return '(native/vm)';
  if (url.startsWith('node:')) return 'node';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/(gateway|packages\/[^/]+|bench)\/src?/.exec(url);
  return ours ? `(ours) ${ours[1]}` : url.replace(/^file:\/\//, '');
}

/** Self time per function and per package in a .cpuprofile written by `node --cpu-prof`. */
export function summariseProfile(path: string, top = 20): { totalMs: number; functions: HotSpot[]; packages: HotSpot[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    totalUs += us;
    const file = frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/main\//, '');
    const name = frame.url ? `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}` : frame.functionName;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const origin = originOf(frame.url);
    packages.set(origin, (packages.get(origin) ?? 0) + us);
  }
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: us / totalUs }));
  return { totalMs: totalUs / 1000, functions: rank(functions), packages: rank(packages) };
}
