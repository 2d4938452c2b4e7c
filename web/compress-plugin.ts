import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/** Text compresses well; images and fonts are compressed already (gateway/src/web.ts sends these the same way). */
const COMPRESSIBLE = new Set(['.js', '.css', '.svg', '.json']);

/**
 * Each hashed file of the build beside its brotli (quality 11) and gzip (level 9) forms, `name.br`
 * and `name.gz`, which the gateway sends as they are (gateway/src/web.ts): the highest levels cost
 * seconds of CPU, paid once here instead of on a serving process's first requests after each start.
 */
export function precompress(): Plugin {
  let assetsDir = '';
  return {
    name: 'organoise-precompress',
    apply: 'build',
    configResolved(config) {
      assetsDir = join(config.root, config.build.outDir, config.build.assetsDir);
    },
    writeBundle() {
      for (const name of readdirSync(assetsDir)) {
        if (!COMPRESSIBLE.has(extname(name))) continue;
        const body = readFileSync(join(assetsDir, name));
        if (body.length <= 1024) continue;
        writeFileSync(join(assetsDir, `${name}.br`), brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT } }));
        writeFileSync(join(assetsDir, `${name}.gz`), gzipSync(body, { level: 9 }));
      }
    },
  };
}
