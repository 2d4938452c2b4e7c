import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { DEMO_PASSWORD, DEMO_USERS, seedDemo, startPlatform, type Platform } from '@organoise/platform';
import { createLogger } from '@organoise/core';
import type { CDPSession } from 'playwright-core';
import { buildApp, launchChromium, ROOT } from '../e2e/browser.js';
import { loadWebBenchEnv } from './env.js';
import { quantile } from './lib/load.js';

/**
 * npm run bench:web: the production build of the web app as the gateway serves it.
 * (a) What the browser must download before each route's first paint: the entry chunk, the
 *     chunks it imports, the route's lazy chunk and its imports, and their CSS, read from Vite's
 *     manifest; raw, gzip and brotli (what the gateway sends).
 * (b) The cold load of the dashboard of a signed-in person (a reload in a new tab: nothing
 *     cached, a refresh token in the tab's session storage) in headless Chromium with the network
 *     throttled to "Fast 3G" and the CPU not throttled: the time to the first meaningful screen,
 *     from the browser's own timing (the mark the dashboard sets when its first data has
 *     rendered), beside first contentful paint and largest contentful paint. Each run gets a
 *     fresh browser context.
 */
const env = loadWebBenchEnv();

/**
 * Chrome DevTools' "Fast 3G" preset (front_end/sdk/NetworkManager.js, Fast3GConditions; the same
 * numbers as Lighthouse's simulated mobile network with its DevTools adjustment factors): 150 ms
 * RTT x 3.75 = 562.5 ms of latency per request, 1.6 Mbit/s x 0.9 down, 750 kbit/s x 0.9 up.
 */
const FAST_3G = { offline: false, latency: 150 * 3.75, downloadThroughput: ((1.6 * 1024 * 1024) / 8) * 0.9, uploadThroughput: ((750 * 1024) / 8) * 0.9 };

/** The app's routes and the module each one loads lazily (web/src/app/App.tsx). */
const ROUTES: Record<string, string> = {
  '/sign-in': 'src/modules/auth/SignInPage.tsx',
  '/sign-up': 'src/modules/auth/SignUpPage.tsx',
  '/ (dashboard)': 'src/modules/dashboard/DashboardPage.tsx',
  '/tasks': 'src/modules/tasks/TasksPage.tsx',
  '/workflows': 'src/modules/workflows/WorkflowsPage.tsx',
  '/workflows/:id': 'src/modules/workflows/DefinitionPage.tsx',
  '/runs/:id': 'src/modules/workflows/RunPage.tsx',
  '/files': 'src/modules/files/FilesPage.tsx',
};
/** The mark DashboardPage sets once its first data is on screen. */
const READY_MARK = 'organoise:dashboard-ready';
/** Where the web app keeps its refresh token (packages/client's REFRESH_KEY, in sessionStorage: decision 0009). */
const REFRESH_KEY = 'organoise.refreshToken';

/** In the page before any of its scripts: the session of a tab that was signed in, and an LCP observer (LCP entries are observed, not listed). */
const initScript = (refreshToken: string) => `
  if (!sessionStorage.getItem('organoise.bench')) {
    sessionStorage.setItem(${JSON.stringify(REFRESH_KEY)}, ${JSON.stringify(refreshToken)});
    sessionStorage.setItem('organoise.bench', '1');
  }
  new PerformanceObserver((list) => {
    const last = list.getEntries().at(-1);
    if (last) window.__lcp = last.startTime;
  }).observe({ type: 'largest-contentful-paint', buffered: true });
`;

/** Read in the page once the dashboard is ready: the browser's own timings. */
const READ_TIMINGS = `(() => {
  const navigation = performance.getEntriesByType('navigation')[0];
  return {
    ready: performance.getEntriesByName(${JSON.stringify(READY_MARK)})[0].startTime,
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    lcp: window.__lcp ?? null,
    requests: [
      { name: '/ (document)', start: navigation.startTime, end: navigation.responseEnd, bytes: navigation.transferSize },
      ...performance.getEntriesByType('resource').map((r) => ({ name: new URL(r.name).pathname, start: r.startTime, end: r.responseEnd, bytes: r.transferSize })),
    ],
  };
})()`;

/** A fresh session of the person, as signing in gives it (a refresh token works once). */
async function signIn(gatewayUrl: string, email: string): Promise<string> {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation ($input: SignInInput!) { signIn(input: $input) { refreshToken } }', variables: { input: { email, password: DEMO_PASSWORD } } }),
  });
  const body = (await response.json()) as { data?: { signIn: { refreshToken: string } }; errors?: unknown };
  if (!body.data) throw new Error(`sign-in failed: ${JSON.stringify(body.errors)}`);
  return body.data.signIn.refreshToken;
}

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  css?: string[];
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (value: number) => `${Math.round(value)} ms`;

function readManifest() {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'web/dist/.vite/manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const entry = Object.keys(manifest).find((key) => manifest[key]!.isEntry);
  if (!entry) throw new Error('no entry in web/dist/.vite/manifest.json');
  /** A chunk and every chunk it imports statically: what must load before it runs. */
  const closure = (key: string, into = new Set<string>()) => {
    if (into.has(key)) return into;
    into.add(key);
    for (const imported of manifest[key]?.imports ?? []) closure(imported, into);
    return into;
  };
  return { manifest, entry, closure };
}

/** The paths of the entry chunk and its static imports: the JavaScript the first paint waits for. */
function firstPaintFiles(): Set<string> {
  const { manifest, entry, closure } = readManifest();
  return new Set([...closure(entry)].map((key) => `/${manifest[key]!.file}`));
}

function routeSizes(): void {
  const dist = join(ROOT, 'web/dist');
  const { manifest, entry, closure } = readManifest();
  const size = (file: string) => {
    const body = readFileSync(join(dist, file));
    // As the gateway compresses (gateway/src/web.ts): gzip level 9 and brotli quality 11, once per file.
    return { raw: body.length, gzip: gzipSync(body, { level: 9 }).length, br: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length };
  };
  console.log('(a) initial JS and CSS per route: entry + its imports + the route chunk + its imports + CSS\n');
  console.log(`${'route'.padEnd(16)} ${'files'.padStart(5)}  ${'JS raw'.padStart(9)} ${'JS gzip'.padStart(9)} ${'JS br'.padStart(9)}  ${'CSS raw'.padStart(8)} ${'CSS gzip'.padStart(8)}`);
  for (const [route, module] of Object.entries(ROUTES)) {
    // A route imported statically somewhere is in the entry's chunks, not split: said, and counted as the entry alone.
    const split = Boolean(manifest[module]);
    const chunks = split ? closure(module, closure(entry)) : closure(entry);
    const js = [...chunks].map((key) => manifest[key]!.file);
    const css = [...new Set([...chunks].flatMap((key) => manifest[key]!.css ?? []))];
    const total = (files: string[]) => files.map(size).reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, br: a.br + b.br }), { raw: 0, gzip: 0, br: 0 });
    const j = total(js);
    const c = total(css);
    console.log(`${route.padEnd(16)} ${String(js.length + css.length).padStart(5)}  ${kb(j.raw).padStart(9)} ${kb(j.gzip).padStart(9)} ${kb(j.br).padStart(9)}  ${kb(c.raw).padStart(8)} ${kb(c.gzip).padStart(8)}${split ? '' : '  (not code-split: in the entry)'}`);
  }
}

interface Run {
  ready: number;
  fcp: number | null;
  lcp: number | null;
  requests: { name: string; start: number; end: number; bytes: number }[];
}

/** Names each POST /graphql of the waterfall by its operation (resource timings list them in the order sent). */
function label(requests: Run['requests'], operations: string[]): Run['requests'] {
  let next = 0;
  return [...requests].sort((a, b) => a.start - b.start).map((r) => (r.name === '/graphql' && next < operations.length ? { ...r, name: `/graphql ${operations[next++]}` } : r));
}

/**
 * Where a run's time went: when the last of the first paint's JavaScript was in, when the boot
 * script's FirstScreen answer was in, and the mark's distance from the later of the two (parsing,
 * evaluation and React's renders: the CPU's share, which a loaded machine stretches while the
 * emulated network's share barely moves).
 */
function split(run: Run, files: Set<string>): { jsIn: number; dataIn: number; after: number } {
  const jsIn = Math.max(...run.requests.filter((r) => files.has(r.name)).map((r) => r.end));
  const dataIn = run.requests.find((r) => r.name === '/graphql FirstScreen')?.end ?? Number.NaN;
  return { jsIn, dataIn, after: run.ready - Math.max(jsIn, dataIn) };
}

async function coldLoads(platform: Platform): Promise<Run[]> {
  const files = firstPaintFiles();
  const gateway = platform.gateway.url;
  const origin = new URL('/', gateway).href;
  const person = DEMO_USERS[1]; // Grace, an admin of the demo organization
  const browser = await launchChromium();
  const runs: Run[] = [];
  try {
    for (let i = 0; i < env.BENCH_WEB_RUNS + 1; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      try {
        await context.addInitScript({ content: initScript(await signIn(gateway, person.email)) });
        const page = await context.newPage();
        // The operation of each POST to /graphql, in the order sent, to name them in the waterfall.
        const operations: string[] = [];
        page.on('request', (request) => {
          if (request.method() === 'POST' && new URL(request.url()).pathname === '/graphql') operations.push(String((request.postDataJSON() as { operationName?: string } | null)?.operationName ?? '?'));
        });
        const cdp: CDPSession = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', FAST_3G);
        await page.goto(origin);
        // A function, not a string: the page's CSP (no 'unsafe-eval') refuses evaluated strings.
        await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, READY_MARK, { timeout: 120_000, polling: 50 });
        // LCP is final once the page is interacted with or hidden; a moment after the mark it has settled.
        await page.waitForTimeout(500);
        const run = (await page.evaluate(READ_TIMINGS)) as Run;
        run.requests = label(run.requests, operations);
        // The first load warms the gateway's caches (compressed files, plans): not counted.
        if (i > 0) runs.push(run);
        const parts = split(run, files);
        console.log(`  ${i === 0 ? 'warm-up' : `run ${i}`.padEnd(7)}  ready ${ms(run.ready).padStart(8)}   FCP ${run.fcp === null ? '-' : ms(run.fcp)}   LCP ${run.lcp === null ? '-' : ms(run.lcp)}   JS in ${ms(parts.jsIn)}, FirstScreen in ${ms(parts.dataIn)}, mark ${ms(parts.after)} after both`);
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  return runs;
}

const started = performance.now();
console.log('building the web app (turbo: rebuilt when a source changed)');
buildApp('@organoise/web');
routeSizes();

const files = mkdtempSync(join(tmpdir(), 'organoise-bench-web-'));
const platform = await startPlatform({
  databaseUrls: {},
  dataDir: 'memory',
  fileStorageDir: files,
  internalTokenSecret: 'bench-web-internal-token-secret-0123456789',
  accessTokenIssuer: 'organoise-bench-web',
  web: true,
  introspection: false,
  log: createLogger({ service: 'bench-web' }, 'warn'),
});
try {
  await seedDemo(platform.gateway.url);
  console.log(`\n(b) cold load of the dashboard, signed in, Fast 3G (562.5 ms latency, 1.44 Mbit/s down), CPU not throttled: ${env.BENCH_WEB_RUNS} runs after a warm-up`);
  const runs = await coldLoads(platform);
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const ready = sorted(runs.map((r) => r.ready));
  const lcp = sorted(runs.flatMap((r) => (r.lcp === null ? [] : [r.lcp])));
  const fcp = sorted(runs.flatMap((r) => (r.fcp === null ? [] : [r.fcp])));
  const median = quantile(ready, 0.5);
  console.log(`\nfirst meaningful screen (dashboard data rendered): median ${ms(median)}, worst ${ms(ready.at(-1)!)}`);
  console.log(`first contentful paint: median ${ms(quantile(fcp, 0.5))}, worst ${ms(fcp.at(-1)!)}; largest contentful paint: median ${ms(quantile(lcp, 0.5))}, worst ${ms(lcp.at(-1)!)}`);
  console.log(`target: median under ${ms(env.BENCH_WEB_TARGET_MS)}: ${median < env.BENCH_WEB_TARGET_MS ? 'met' : 'missed'}`);
  // The network's share and the CPU's apart: on a shared machine the first moves little, the second with the load.
  const files = firstPaintFiles();
  const parts = runs.map((r) => split(r, files));
  const med = (pick: (p: (typeof parts)[number]) => number) => ms(quantile(sorted(parts.map(pick)), 0.5));
  console.log(`medians: first paint's JavaScript (${files.size} files) in at ${med((p) => p.jsIn)}, FirstScreen in at ${med((p) => p.dataIn)}, the mark ${med((p) => p.after)} after both`);
  // The waterfall of the median run: what the first screen waited for, in order.
  const typical = runs.find((r) => r.ready === median)!;
  console.log('\nwaterfall of the median run (ms from navigation start):');
  for (const request of typical.requests.sort((a, b) => a.start - b.start)) {
    console.log(`  ${String(Math.round(request.start)).padStart(6)} → ${String(Math.round(request.end)).padStart(6)}  ${kb(request.bytes).padStart(9)}  ${request.name}`);
  }
  console.log(`  ${String(Math.round(typical.ready)).padStart(6)}  ${''.padStart(18)}  ${READY_MARK}`);
} finally {
  await platform.close();
  rmSync(files, { recursive: true, force: true });
}
console.log(`\nbench:web done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
