import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';

/** Where `npm run build -w @organoise/playground` writes the GraphiQL bundle. */
export const DEFAULT_PLAYGROUND_DIR = fileURLToPath(new URL('../../playground/dist', import.meta.url));

/** Matches the playground's vite `build.assetsDir`: index.html refers to `./playground/assets/...`. */
const ASSETS_PATH = '/playground/assets';

// Everything the page needs comes from this origin: a browser refuses anything else, so the
// playground cannot start depending on a CDN unnoticed. GraphiQL sets inline styles and embeds
// its fonts as data: URLs.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>OrgaNoise playground</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The playground is not built</h1>
<p>Build it once, then reload this page:</p>
<pre>npm run build -w @organoise/playground</pre>
<p>API clients are unaffected: POST GraphQL requests to this URL.</p>
</body>
</html>
`;

/**
 * Serves GraphiQL at GET /graphql to browser navigations only. The decision is content
 * negotiation: a client that prefers JSON, names no type or takes anything falls through to
 * Apollo, so GET queries from scripts and tools behave as if the playground did not exist.
 */
export function mountPlayground(app: express.Express, distDir: string): void {
  // Hashed file names change with every build, so a cached asset never goes stale.
  app.use(ASSETS_PATH, express.static(join(distDir, 'playground', 'assets'), { immutable: true, maxAge: '1y', index: false, redirect: false }));

  app.get('/graphql', async (req, res, next) => {
    // Both answers live at one URL, so a cache must key them by Accept.
    res.vary('Accept');
    if (req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) !== 'text/html') return next();
    res.set({ 'Cache-Control': 'no-cache', 'Content-Security-Policy': CONTENT_SECURITY_POLICY });
    let html: string;
    try {
      // Read on every request: a rebuild (new asset hashes) shows up on reload, no restart needed.
      html = await readFile(join(distDir, 'index.html'), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return next(error);
      res.status(503).type('html').send(NOT_BUILT);
      return;
    }
    res.type('html').send(html);
  });
}
