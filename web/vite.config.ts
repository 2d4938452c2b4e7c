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
      // The modules the entry shares with later screens (the states, the live indicator, the page
      // heading, MUI's Card, Chip, Alert, Typography, icons) in one chunk, `first`, instead of the eight small chunks the
      // bundler cut them into by sharer: on HTTP/1.1 (six connections per host) the last of ten files
      // before the first paint queued for a connection and a round trip (a 0.9 KB chunk done 220 ms
      // after the entry in npm run bench:web). Listed by name, without their dependencies (which stay
      // where the bundler puts them); a module listed here that the entry stops using would still
      // download first, so the bench's per-route sizes are the check. One not listed becomes a file of
      // its own: ui/PageHeading did (357 bytes, a seventh file before the first paint, queued behind
      // the six connections until ~1.9 s; issue 13's regression of 2026-12-06), so add such modules here.
      output: {
        codeSplitting: {
          groups: [{ name: 'first', test: /web\/src\/(ui\/states|ui\/PageHeading|modules\/live\/LiveIndicator)|@mui\/material\/(esm\/)?(Chip|Card|CardContent|Typography|Alert|AlertTitle|IconButton|internal\/svg-icons\/(Cancel|Close|SuccessOutlined|ReportProblemOutlined|ErrorOutline|InfoOutlined)|CircularProgress|utils\/useSlot|SvgIcon\/(SvgIcon|createSvgIcon|svgIconClasses)|styles\/useThemeProps)[/.]|@mui\/system\/useThemeProps\//, includeDependenciesRecursively: false }],
        },
      },
    },
  },
  // The dev server forwards what the gateway serves on its own origin: GraphQL (and its sockets), and the
  // signed upload and download routes the file subgraph hands out as relative URLs (/files/upload/...,
  // /files/download/...). /files alone is the app's Files screen, so only those two prefixes go.
  server: {
    proxy: {
      '/graphql': { target: 'http://127.0.0.1:4000', ws: true },
      '/files/upload/': { target: 'http://127.0.0.1:4000' },
      '/files/download/': { target: 'http://127.0.0.1:4000' },
    },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
});
