import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * npm run bench:mobile: bundles the mobile app for Android, iOS and the web (`expo export`, no
 * device needed) and prints each platform's JavaScript size, raw and gzipped (what a phone
 * downloads with an over-the-air update; native bundles are Hermes bytecode). Fails when a
 * platform does not bundle.
 */
const app = new URL('../mobile/', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'organoise-mobile-export-'));
const platforms = ['android', 'ios', 'web'] as const;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

try {
  const started = performance.now();
  execFileSync('npx', ['expo', 'export', ...platforms.flatMap((p) => ['--platform', p]), '--output-dir', out], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`expo export (${platforms.join(', ')}) in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  console.log('platform  files  raw        gzip');
  for (const platform of platforms) {
    const bundles = files(join(out, '_expo/static/js', platform)).filter((f) => /\.(hbc|js)$/.test(f));
    if (bundles.length === 0) throw new Error(`no ${platform} bundle`);
    const raw = bundles.reduce((sum, f) => sum + statSync(f).size, 0);
    const gzip = bundles.reduce((sum, f) => sum + gzipSync(readFileSync(f)).length, 0);
    console.log(`${platform.padEnd(9)} ${String(bundles.length).padEnd(6)} ${kb(raw).padEnd(10)} ${kb(gzip)}`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
