import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { testEnv } from '@organoise/core/testing';
import { chromium, type Browser, type Page } from 'playwright-core';

// What the browser tests share: Debian's Chromium started as this machine needs it (no sandbox as
// root; no background networking, which the closed network would refuse again and again), the
// apps built the way `npm start` builds them, and axe-core's serious and critical findings.

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: testEnv.CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * Builds a workspace's app through turbo, as `npm start` does: rebuilt when one of its sources
 * changed (a stale build would test old code), restored from turbo's cache otherwise.
 */
export function buildApp(workspace: '@organoise/web' | '@organoise/mobile' | '@organoise/playground'): void {
  // Two test files of one app (web.e2e.ts, web-admin.e2e.ts) start at once in two workers: one
  // builds while the other waits, then finds turbo's cache (a second Vite run at the same time
  // would empty the dist folder under the first).
  const lock = join(tmpdir(), `organoise-build-${workspace.replace(/\W/g, '-')}.lock`);
  for (const since = Date.now(); ; ) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed run: builds take a few minutes at most here.
      if (Date.now() - since > BUILD_LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    execFileSync('npx', ['turbo', 'run', 'build', `--filter=${workspace}`, '--output-logs=errors-only'], { cwd: ROOT, stdio: 'ignore' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
const BUILD_LOCK_STALE_MS = 10 * 60_000;

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const AXE_RUN = `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations
  .filter((v) => v.impact === 'serious' || v.impact === 'critical')
  .map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`;

/** axe-core's serious and critical violations on the page as it is now, one line each. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(AXE_SOURCE);
  return (await page.evaluate(AXE_RUN)) as string[];
}
