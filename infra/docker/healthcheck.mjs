// The images' HEALTHCHECK (infra/docker/*.Dockerfile): exits 0 when the service on this container's
// PORT answers GET /readyz (or the path given as the first argument) with a 2xx within 4 s, else 1.
// Plain Node (the slim base has no curl or wget). infra/test/compiled.e2e.ts runs it.
const port = process.env.PORT ?? '4000';
const path = process.argv[2] ?? '/readyz';
try {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
