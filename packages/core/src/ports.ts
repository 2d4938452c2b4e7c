import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * The bottom of the kernel's ephemeral range: from there up it takes the local port of every
 * outgoing connection and of every `listen(0)`. Read from Linux; elsewhere the IANA range's.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (low > 0) return low;
  } catch {
    // Not Linux: fall through.
  }
  return 49152;
}

const canListen = (port: number, host: string) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });

/**
 * A port that was free a moment ago, for a server another process will listen on later (or that
 * is restarted on the same port). Chosen below the ephemeral range, so that between this check and
 * the server's own listen, no outgoing connection or `listen(0)` of any process on the box can be
 * given it: a port taken from `listen(0)` and released is back in that pool, and on a busy box
 * (a test run opening connections by the thousand) a child process that needs seconds to start
 * can find its port taken and exit (EADDRINUSE; the likely cause of a onebox child's exit in CI,
 * whose output was not kept). Falls back to `listen(0)` if no port below the
 * range is free after some tries.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const low = ephemeralLow();
  const floor = 10_000;
  if (low - floor > 1000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = floor + Math.floor(Math.random() * (low - floor));
      if (await canListen(port, host)) return port;
    }
  }
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
