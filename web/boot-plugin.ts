import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';

/**
 * The page's boot script (docs/decisions/0009, "The boot script"): a few hundred bytes inlined in
 * the built index.html, run as soon as the page's head is parsed, while the JavaScript downloads.
 * On a slow network every request costs a round trip (562 ms on Fast 3G, npm run bench:web), and
 * the app's first screen needed three of them in a row after its bundle: the session's refresh,
 * the organizations, the dashboard's counters. The script starts them at once instead:
 * - `RefreshSession` with the tab's refresh token (sessionStorage), keeping the rotated one;
 * - on the dashboard's path, `FirstScreen` (the organizations and the dashboard's counters in one
 *   request) with the access token that answer brings;
 * - `<link rel=modulepreload>` for the chunks of the screen this path opens, which the app would
 *   otherwise ask for only once it runs.
 * It leaves the promises on `window.__organoiseBoot`, which the app takes over (src/app/boot.ts):
 * the Session takes the refresh's answer as its own, the Apollo cache the first screen's. Both
 * operations are sent by hash, as the app sends them (decision 0010). The gateway allows this one
 * inline script by its sha256 in the Content-Security-Policy (gateway/src/web.ts), no other.
 * Only the build gets it: the development server runs the app alone.
 */

/** Keys and values shared with the app: packages/client (REFRESH_KEY), organizations/current (SELECTED_KEY), DashboardView (WINDOW_SECONDS). */
const REFRESH_KEY = 'organoise.refreshToken';
const SELECTED_KEY = 'organoise.organizationId';
const WINDOW_MS = 3600 * 1000;

/**
 * The screen each path of a signed-in person opens, as app/screens.ts's screenOf says (exact paths
 * only), and the signed-out ones. Not `/`: the dashboard's first paint is in the entry chunk (drawn
 * from FirstScreen's answer, app/FirstPaint.tsx) and its module, with Apollo Client, loads after
 * that paint; preloading it would share the bandwidth with the entry.
 */
const SIGNED_IN: Record<string, string> = {
  '/tasks': 'src/modules/tasks/TasksPage.tsx',
  '/workflows': 'src/modules/workflows/WorkflowsPage.tsx',
  '/runs': 'src/modules/workflows/RunsPage.tsx',
  '/files': 'src/modules/files/FilesPage.tsx',
  '/account': 'src/modules/account/AccountPage.tsx',
};
const SIGN_IN = 'src/modules/auth/SignInPage.tsx';
const SIGN_UP = 'src/modules/auth/SignUpPage.tsx';

/** The persisted hash of an operation, from the client package's generated list (what the gateway's safelist holds). */
function hashOf(operation: string): string {
  const documents = JSON.parse(readFileSync(new URL('../packages/client/src/gql/persisted-documents.json', import.meta.url), 'utf8')) as Record<string, string>;
  const found = Object.entries(documents).find(([, text]) => new RegExp(`\\b(?:query|mutation) ${operation}\\b`).test(text));
  if (!found) throw new Error(`boot script: no persisted document named ${operation} (npm run generate)`);
  return found[0];
}

/** The script itself: plain ES2017, no module, nothing it can throw past its own try. */
function script(hashes: { refresh: string; firstScreen: string }, preloads: { signedIn: Record<string, string[]>; signIn: string[]; signUp: string[] }): string {
  // Each file named once, the routes as indexes into that list: the page stays small (it is on every first load's path).
  const files = [...new Set([...Object.values(preloads.signedIn).flat(), ...preloads.signIn, ...preloads.signUp])];
  const indexes = (list: string[]) => list.map((file) => files.indexOf(file));
  const signedIn = Object.fromEntries(Object.entries(preloads.signedIn).map(([path, list]) => [path, indexes(list)]));
  return `(function () {
  try {
    var path = location.pathname, token = sessionStorage.getItem(${JSON.stringify(REFRESH_KEY)});
    var files = ${JSON.stringify(files.map((file) => file.replace(/^\/assets\//, '')))};
    var preload = token ? ${JSON.stringify(signedIn)}[path] : path === '/sign-up' ? ${JSON.stringify(indexes(preloads.signUp))} : ${JSON.stringify(indexes(preloads.signIn))};
    (preload || []).forEach(function (index) {
      var link = document.createElement('link');
      link.rel = 'modulepreload';
      link.href = '/assets/' + files[index];
      link.crossOrigin = '';
      document.head.appendChild(link);
    });
    if (!token) return;
    var post = function (operationName, sha256Hash, variables, accessToken) {
      var headers = { 'content-type': 'application/json' };
      if (accessToken) headers.authorization = 'Bearer ' + accessToken;
      // No credentials (the API reads none: tokens go in the header), which also puts these requests on
      // connections of their own: a browser on HTTP/1.1 opens six per host and credential mode, and
      // the JavaScript's six would otherwise keep FirstScreen waiting for one (npm run bench:web).
      return fetch('/graphql', { method: 'POST', credentials: 'omit', headers: headers, body: JSON.stringify({ operationName: operationName, variables: variables, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hash } } }) })
        .then(function (response) { return response.json().catch(function () { return null; }).then(function (body) { return { status: response.status, body: body }; }); });
    };
    var boot = { refresh: post('RefreshSession', ${JSON.stringify(hashes.refresh)}, { refreshToken: token }), firstScreen: null, from: null };
    // The refresh token works once: the rotated one is kept at once, so a reload now does not replay the spent one.
    boot.refresh.then(function (answer) {
      var auth = answer.body && answer.body.data && answer.body.data.refreshSession;
      if (auth) sessionStorage.setItem(${JSON.stringify(REFRESH_KEY)}, auth.refreshToken);
    }, function () {});
    if (path === '/') {
      var remembered = localStorage.getItem(${JSON.stringify(SELECTED_KEY)});
      var from = boot.from = new Date(Date.now() - ${WINDOW_MS}).toISOString();
      boot.firstScreen = boot.refresh.then(function (answer) {
        var auth = answer.body && answer.body.data && answer.body.data.refreshSession;
        return auth ? post('FirstScreen', ${JSON.stringify(hashes.firstScreen)}, { organizationId: remembered || '', remembered: Boolean(remembered), from: from }, auth.accessToken) : null;
      });
      boot.firstScreen.catch(function () {});
    }
    window.__organoiseBoot = boot;
  } catch (error) {}
})();`;
}

export function bootScript(): Plugin {
  return {
    name: 'organoise-boot-script',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, context) {
        const bundle = context.bundle;
        if (!bundle) throw new Error('boot script: no bundle (build only)');
        const chunks = Object.values(bundle).flatMap((output) => (output.type === 'chunk' ? [output] : []));
        // The chunk that holds a screen's module: its own, or the first-screen chunk (firstScreenChunk).
        const byModule = (module: string) => chunks.find((chunk) => chunk.moduleIds.some((id) => id.endsWith(`/web/${module}`)));
        const entry = chunks.find((chunk) => chunk.isEntry);
        if (!entry) throw new Error('boot script: no entry chunk');
        // What Vite already preloads (the entry and its static imports) is not listed twice.
        const closure = (fileName: string, into = new Set<string>()): Set<string> => {
          if (into.has(fileName)) return into;
          into.add(fileName);
          for (const imported of (bundle[fileName] as { imports?: string[] } | undefined)?.imports ?? []) closure(imported, into);
          return into;
        };
        const preloaded = closure(entry.fileName);
        const filesOf = (module: string) => {
          const chunk = byModule(module);
          if (!chunk) throw new Error(`boot script: no chunk holds ${module}`);
          return [...closure(chunk.fileName)].filter((file) => !preloaded.has(file)).map((file) => `/${file}`);
        };
        const code = script(
          { refresh: hashOf('RefreshSession'), firstScreen: hashOf('FirstScreen') },
          { signedIn: Object.fromEntries(Object.entries(SIGNED_IN).map(([path, module]) => [path, filesOf(module)])), signIn: filesOf(SIGN_IN), signUp: filesOf(SIGN_UP) },
        );
        // Right after the charset (which must come in the first 1024 bytes): the parser runs it before
        // it reaches the bundle's script and preloads, so the refresh is the first request on the
        // wire instead of queuing behind them for one of the browser's six connections.
        const charset = /<meta charset="utf-8" \/>/i;
        if (!charset.test(html)) throw new Error('boot script: index.html has no <meta charset="utf-8" />');
        return html.replace(charset, (tag) => `${tag}\n    <script>${code}</script>`);
      },
    },
  };
}

