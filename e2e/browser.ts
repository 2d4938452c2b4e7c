import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { testEnv } from '@organoise/core/testing';
import { DEMO_PASSWORD, seedDemo } from '@organoise/platform';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, vi } from 'vitest';
import { startTestPlatform, type TestPlatform, type TestPlatformOptions } from './harness.js';

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

/** A page's wait for what it shows: long enough for a sign-in (argon2) on a loaded 2-core machine; a passing wait returns at once. */
export const WAIT = 30_000;
const WEB_DIST = join(ROOT, 'web/dist/index.html');
const SCREENSHOTS = join(ROOT, 'web/screenshots/');

export interface WebE2eOptions extends Omit<TestPlatformOptions, 'web'> {
  /** Seed the demo organizations and people (seedDemo) once the platform runs. */
  demo?: boolean;
}

export interface WebE2e {
  /** The platform serving the built web app at / (from the helper's beforeAll on). */
  readonly platform: TestPlatform;
  readonly browser: Browser;
  /** The case's page errors, console errors (CSP violations among them) and axe findings; emptied after each case. */
  readonly findings: string[];
  /** A browser of its own (cookies, storage), closed after the case. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** `path` of the app (of `on`'s gateway, default the helper's platform) in a new browser, its errors gathered in `findings`. */
  open(path?: string, options?: { viewport?: { width: number; height: number }; on?: TestPlatform }): Promise<Page>;
  /** Fills the sign-in form on `page` (and the second step with `secondFactor`) and waits until signed in. */
  signIn(page: Page, email: string, options?: { password?: string; secondFactor?: string }): Promise<void>;
  /** An access token of `email`, signed in through the API. */
  tokenOf(email: string, password?: string): Promise<string>;
  /** A full-page screenshot into web/screenshots/<name>.png, and axe's findings on it into `findings`. */
  photograph(page: Page, name: string): Promise<void>;
}

/**
 * The web app's browser tests' setup: before the file's tests (a beforeAll registered where this is
 * called, so hooks registered after it see it running) the app built as `npm start` builds it, the
 * platform serving it, the demo seeded when asked, and Chromium; after each case its browsers
 * closed and its findings emptied; after the file, all stopped. `options` may be a function, for
 * settings known only once earlier hooks ran (a port chosen first).
 */
export function useWebE2e(options: WebE2eOptions | (() => WebE2eOptions) = {}): WebE2e {
  let platform: TestPlatform | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const findings: string[] = [];
  // A browser test chains page waits of up to WAIT each (a navigation to a provider and back, a
  // sign-in, axe): the global 30 s per test was one slow wait on a loaded 2-core box (web-oidc's
  // cancel case timed out so in CI, 2026-12-06). This file's tests get four WAITs.
  vi.setConfig({ testTimeout: 4 * WAIT });

  // The first build on a clean clone takes minutes on a loaded machine; later runs take a second.
  beforeAll(async () => {
    const { demo, ...settings } = typeof options === 'function' ? options() : options;
    buildApp('@organoise/web');
    if (!existsSync(WEB_DIST)) throw new Error('web/dist was not built');
    platform = await startTestPlatform({ ...settings, web: true });
    if (demo) await seedDemo(platform.gateway.url);
    browser = await launchChromium();
  }, 600_000);

  // Each case starts with no page open, so the gateway's count of live views is its own.
  afterEach(async () => {
    findings.length = 0;
    for (const context of contexts.splice(0)) await context.close().catch(() => {});
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  const running = () => {
    if (!platform || !browser) throw new Error('the web app starts in beforeAll');
    return { platform, browser };
  };
  const newContext = async (contextOptions?: BrowserContextOptions) => {
    const context = await running().browser.newContext(contextOptions);
    contexts.push(context);
    return context;
  };
  return {
    get platform() {
      return running().platform;
    },
    get browser() {
      return running().browser;
    },
    findings,
    newContext,
    open: async (path = '/', { viewport = { width: 1200, height: 800 }, on } = {}) => {
      // Reduced motion: the app then draws no transitions, so axe and screenshots see settled colours.
      const page = await (await newContext({ viewport, reducedMotion: 'reduce' })).newPage();
      page.setDefaultTimeout(WAIT);
      // Uncaught exceptions and console errors, which include content security policy violations.
      page.on('pageerror', (error) => findings.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') findings.push(`console: ${message.text()}`);
      });
      await page.goto(new URL(path, (on ?? running().platform).gateway.url).href);
      return page;
    },
    signIn: async (page, email, { password = DEMO_PASSWORD, secondFactor } = {}) => {
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      if (secondFactor) {
        await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
        await page.getByLabel('Code').fill(secondFactor);
        await page.getByRole('button', { name: 'Verify' }).click();
      }
      await page.getByTestId('signed-in-as').waitFor();
    },
    tokenOf: (email, password) => running().platform.tokenOf(email, password),
    photograph: async (page, name) => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
      // Evaluated through the DevTools protocol, which the page's CSP does not govern.
      for (const violation of await accessibilityProblems(page)) findings.push(`axe on ${name}: ${violation}`);
    },
  };
}
