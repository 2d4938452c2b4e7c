import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type express from 'express';

/** Where `npm run build -w @organoise/web` writes the app. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

// The app is served from this origin only: no CDN. The one inline script is the page's own boot
// script (web/boot-plugin.ts), allowed by its sha256 as read from the index.html being served
// (contentSecurityPolicy), so no other inline script runs. MUI (emotion) inserts its
// styles as <style> elements at run time, hence 'unsafe-inline' for styles alone. 'self' in
// connect-src covers the graphql-ws socket on the same host (CSP 3).
const policy = (scriptSources: string[]) => [
  "default-src 'self'",
  ["script-src 'self'", ...scriptSources].join(' '),
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The policy for this page: 'self' plus the sha256 of each inline script the build put in it. */
export function contentSecurityPolicy(html: string): string {
  const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([^]*?)<\/script>/gi)].map((match) => `'sha256-${createHash('sha256').update(match[1]!).digest('base64')}'`);
  return policy(inline);
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};
/** Text compresses well; images and fonts are compressed already. */
const COMPRESSIBLE = new Set(['.js', '.css', '.svg', '.json']);

const NOT_BUILT = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>OrgaNoise</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The web app is not built</h1>
<p>Build it once, then reload this page:</p>
<pre>npm run build -w @organoise/web</pre>
<p>API clients are unaffected: POST GraphQL requests to /graphql.</p>
</body>
</html>
`;

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer | null;
  br: Buffer | null;
}

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);
const readIfThere = (path: string) => readFile(path).catch(() => null);

/**
 * A file's compressed forms: the build writes them beside it (`name.br`, `name.gz`: web's
 * compress-plugin.ts, brotli quality 11 and gzip level 9); a build without them is compressed here
 * once per file, at the same levels, off the event loop. Brotli is about a fifth smaller than gzip
 * on the app's JavaScript, which on a slow mobile network is most of the first load (npm run bench:web).
 */
async function compressed(path: string, body: Buffer, extension: string): Promise<Pick<Asset, 'gzip' | 'br'>> {
  if (!COMPRESSIBLE.has(extension) || body.length <= 1024) return { gzip: null, br: null };
  const [gzipped, br] = await Promise.all([
    readIfThere(`${path}.gz`).then((found) => found ?? gzipAsync(body, { level: 9 })),
    readIfThere(`${path}.br`).then((found) => found ?? brotliAsync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT } })),
  ]);
  return { gzip: gzipped, br };
}

/**
 * Serves the web app on the gateway's origin (so its API calls need no CORS and its socket no
 * allow-listed origin): hashed files under /assets, cached for a year and compressed once each
 * (brotli or gzip, as the browser accepts);
 * index.html for every other browser navigation outside /graphql, never cached, so a deploy
 * shows on the next load. Requests that do not ask for HTML fall through (a 404 stays a 404).
 */
export function mountWeb(app: express.Express, distDir: string): void {
  // A file name carries its content hash, so what was read once never changes; a rebuild brings
  // new names. The cache holds at most the files of the builds served since start.
  const assets = new Map<string, Promise<Asset | null>>();
  const load = (name: string) => {
    let asset = assets.get(name);
    if (!asset) {
      const path = join(distDir, 'assets', name);
      asset = readFile(path).then(
        async (body) => {
          const extension = extname(name);
          return { type: TYPES[extension] ?? 'application/octet-stream', body, ...(await compressed(path, body, extension)) };
        },
        () => null,
      );
      assets.set(name, asset);
      // A missing file may be built later: do not remember its absence.
      void asset.then((found) => found ?? assets.delete(name));
    }
    return asset;
  };

  app.get('/assets/:name', async (req, res, next) => {
    const name = req.params.name;
    // The compressed forms are sent for the file they belong to, not as files of their own.
    if (!/^[\w.-]+$/.test(name) || name.startsWith('.') || /\.(?:br|gz)$/.test(name)) return next();
    const asset = await load(name);
    if (!asset) {
      res.status(404).type('text').send('Not found');
      return;
    }
    res.vary('Accept-Encoding');
    res.set({ 'Cache-Control': 'public, max-age=31536000, immutable', 'Content-Type': asset.type, 'X-Content-Type-Options': 'nosniff' });
    // The smallest encoding the client accepts at all: browsers list gzip before br at equal
    // weight ("gzip, deflate, br, zstd"), so negotiating by their order would never send brotli.
    if (asset.br && req.acceptsEncodings('br') === 'br') res.set('Content-Encoding', 'br').send(asset.br);
    else if (asset.gzip && req.acceptsEncodings('gzip') === 'gzip') res.set('Content-Encoding', 'gzip').send(asset.gzip);
    else res.send(asset.body);
  });

  app.get(/^(?!\/graphql(?:\/|$)|\/assets\/|\/playground\/).*/, async (req, res, next) => {
    res.vary('Accept');
    if (req.accepts(['application/json', 'text/html']) !== 'text/html') return next();
    let html: string;
    try {
      // Read on every navigation: a rebuild shows on reload, no restart needed.
      html = await readFile(join(distDir, 'index.html'), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return next(error);
      res.status(503).set('Cache-Control', 'no-store').type('html').send(NOT_BUILT);
      return;
    }
    res.set({ 'Cache-Control': 'no-cache', 'Content-Security-Policy': contentSecurityPolicy(html), 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'same-origin' });
    res.type('html').send(html);
  });
}
