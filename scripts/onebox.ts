import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from '@organoise/platform';
import { startOnebox } from '@organoise/platform/onebox';
import { env, inheritedEnv } from './onebox/env.js';

// `npm run onebox`: the multi-replica deployment on this machine (platform/src/onebox.ts):
// haproxy in front of two gateway processes and of two replicas of every subgraph, on one Postgres
// database and one Redis. docs/operations.md, "Scaling out", has the rolling-restart drill.
const started = Date.now();
process.stdout.write(`Starting the one box (${env.ONEBOX_REPLICAS} replicas of each service, haproxy in front)...\n`);
const onebox = await startOnebox({
  baseEnv: inheritedEnv,
  postgresUrl: env.ONEBOX_POSTGRES_URL,
  databaseUrl: env.ONEBOX_DATABASE_URL,
  redisUrl: env.REDIS_URL,
  port: env.ONEBOX_PORT,
  host: env.HOST,
  replicas: env.ONEBOX_REPLICAS,
  haproxy: env.HAPROXY,
  shutdownDelayMs: env.SHUTDOWN_DELAY_MS,
  logLevel: env.LOG_LEVEL,
});
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nStopping every process...\n');
  void onebox.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const seeded = env.SEED_DEMO === 'true' || env.SEED_DEMO === '1' ? await seedDemo(onebox.url) : null;
const lines = [
  '',
  `OrgaNoise one box is running (started in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  `  GraphQL (haproxy)  ${onebox.url}   (web app at ${new URL('/', onebox.url).href})`,
  `  haproxy stats      ${onebox.statsUrl}`,
  ...onebox.processes.map((p) => `  ${p.name.padEnd(18)} pid ${String(p.pid()).padEnd(8)} 127.0.0.1:${p.port}`),
  ...Object.entries(onebox.serviceUrls).map(([name, url]) => `  ${`${name} service`.padEnd(18)} ${url}   (haproxy, both replicas)`),
  `  database           ${onebox.databaseUrl}${env.ONEBOX_DATABASE_URL ? '' : '   (dropped on Ctrl+C)'}`,
  `  redis              ${env.REDIS_URL}`,
  ...(seeded ? ['', `Demo organization "${seeded.organizationName}". Sign in with any of:`, ...DEMO_USERS.map((u) => `  ${u.email.padEnd(28)} ${u.role.padEnd(7)} password: ${DEMO_PASSWORD}`)] : []),
  '',
  'Ctrl+C stops everything.',
  '',
];
process.stdout.write(lines.join('\n'));
