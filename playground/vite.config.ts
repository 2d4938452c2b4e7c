import { defineConfig } from 'vite';

// The gateway serves index.html at /graphql and the bundle under /playground/assets. A relative
// base plus that assets folder makes `./playground/assets/x.js`, seen from /graphql, resolve to
// /playground/assets/x.js, and under a path prefix (/api/graphql) to /api/playground/assets/x.js.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    assetsDir: 'playground/assets',
    emptyOutDir: true,
    // The bundle is one page for developers on a local network: a larger chunk is fine.
    chunkSizeWarningLimit: 4096,
    sourcemap: false,
    rolldownOptions: {
      // framer-motion marks its modules "use client" for React Server Components; in a plain
      // client bundle the directive means nothing, and dozens of warnings would hide real ones.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
});
