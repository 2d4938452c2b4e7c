import { defineConfig } from 'vite';
import { bootScript } from './boot-plugin';
import { precompress } from './compress-plugin';

// The gateway serves the build at / (index.html for every app route) and its hashed files under
// /assets, long-cached. In development, `npm run dev` proxies the API to a running `npm start`.
export default defineConfig({
  base: '/',
  // The built index.html starts the session's refresh and the first screen's data while the
  // JavaScript downloads (boot-plugin.ts); each hashed file is written compressed too (compress-plugin.ts).
  plugins: [bootScript(), precompress()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    // dist/.vite/manifest.json: which chunks and CSS each route needs (npm run bench:web reads it).
    manifest: true,
    rolldownOptions: {
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: { proxy: { '/graphql': { target: 'http://127.0.0.1:4000', ws: true } } },
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
});
