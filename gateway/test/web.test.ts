import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy, mountWeb } from '../src/web.js';

/** The bytes as sent (no decompression, unlike fetch), with the headers. */
function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('the web app as the gateway serves it (gateway/src/web.ts)', () => {
  const dist = mkdtempSync(join(tmpdir(), 'organoise-web-'));
  const js = Buffer.from(`export const words = ${JSON.stringify('lorem ipsum dolor '.repeat(200))};\n`);
  // Not what the gateway would make itself (quality 1, not 11): what the build wrote is what is sent.
  const builtBr = brotliCompressSync(js, { params: { [zlib.BROTLI_PARAM_QUALITY]: 1 } });
  const builtGz = gzipSync(js, { level: 1 });
  const boot = `(function () { window.booted = true; })();`;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), `<!doctype html><html><head><meta charset="utf-8" />\n<script>${boot}</script><script type="module" src="/assets/app-1.js"></script></head><body></body></html>`);
    writeFileSync(join(dist, 'assets/app-1.js'), js);
    writeFileSync(join(dist, 'assets/app-1.js.br'), builtBr);
    writeFileSync(join(dist, 'assets/app-1.js.gz'), builtGz);
    // A build without compressed forms (an older one): compressed here, once.
    writeFileSync(join(dist, 'assets/old-1.js'), js);
    const app = express();
    mountWeb(app, dist);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dist, { recursive: true, force: true });
  });

  it("allows the page's inline boot script by its sha256 and no other inline script", async () => {
    const page = await get(port, '/', { accept: 'text/html' });
    expect(page.status).toBe(200);
    const hash = createHash('sha256').update(boot).digest('base64');
    expect(page.headers['content-security-policy']).toContain(`script-src 'self' 'sha256-${hash}';`);
    expect(contentSecurityPolicy('<script src="/assets/a.js"></script>')).toContain("script-src 'self';");
    expect(contentSecurityPolicy('<script>a()</script><script>b()</script>')).toContain(`script-src 'self' 'sha256-${createHash('sha256').update('a()').digest('base64')}' 'sha256-${createHash('sha256').update('b()').digest('base64')}';`);
  });

  it('sends the compressed forms the build wrote, as they are; compresses a file that has none; never serves them as files of their own', async () => {
    const br = await get(port, '/assets/app-1.js', { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.body.equals(builtBr)).toBe(true);
    const gz = await get(port, '/assets/app-1.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.body.equals(builtGz)).toBe(true);
    const plain = await get(port, '/assets/app-1.js', {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(js)).toBe(true);
    const old = await get(port, '/assets/old-1.js', { 'accept-encoding': 'br' });
    expect(old.headers['content-encoding']).toBe('br');
    expect(old.body.equals(brotliCompressSync(js, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: js.length, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT } }))).toBe(true);
    expect((await get(port, '/assets/app-1.js.br', { accept: '*/*' })).status).toBe(404);
  });
});
