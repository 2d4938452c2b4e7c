import type { AddressInfo } from 'node:net';
import * as ws from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { HeartbeatSweep, textFrame } from '../src/transports/graphql-ws.js';

/**
 * The graphql-ws adapter's own writes (issue 16): each `next` frame built as one Buffer must be
 * the bytes ws's Sender would have written for the same text, and the one-timer keep-alive must
 * drop a peer that stops answering pings while leaving the others open.
 */
type Frame = (data: Buffer | string, options: Record<string, unknown>) => Buffer[];
const wsFrame = (ws as unknown as { Sender: { frame: Frame } }).Sender.frame;
const wsBytes = (text: string) => Buffer.concat(wsFrame(Buffer.from(text), { fin: true, mask: false, opcode: 1, readOnly: true, rsv1: false }));

describe('a next message written as one frame', () => {
  const starts = ['{"id":"1","type":"next","payload":', `{"id":${JSON.stringify('é\u0000漢字-🙂')},"type":"next","payload":`];
  const tails = [10, 100, 125, 126, 65_535, 65_536, 200_000].map((n) => Buffer.from(`{"data":"${'x'.repeat(n)}"}}`));

  it('is byte for byte what ws frames for the same text, for every length class and non-ASCII ids', () => {
    for (const start of starts) {
      for (const tail of tails) {
        expect(textFrame(start, tail).equals(wsBytes(start + tail.toString()))).toBe(true);
      }
    }
  });
});

describe('the one-timer keep-alive', () => {
  const open: { close: () => void }[] = [];
  afterEach(() => {
    for (const o of open.splice(0)) o.close();
  });

  it('terminates a peer that does not answer pings and keeps the one that does', async () => {
    const server = new ws.WebSocketServer({ port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const sweep = new HeartbeatSweep(1000);
    open.push({ close: () => sweep.stop() }, { close: () => server.close() });
    server.on('connection', (socket) => {
      sweep.add(socket);
      socket.on('close', () => sweep.remove(socket));
    });
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const answering = new ws.WebSocket(url);
    const silent = new ws.WebSocket(url, { autoPong: false });
    open.push({ close: () => answering.terminate() }, { close: () => silent.terminate() });
    let pings = 0;
    answering.on('ping', () => pings++);
    await Promise.all([answering, silent].map((c) => new Promise((resolve) => c.once('open', resolve))));

    // Pinged on one visit, unanswered on the next: closed from the server's side (1006 here).
    const code = await new Promise<number>((resolve) => silent.once('close', resolve));
    expect(code).toBe(1006);
    // The answering peer was visited as often and is still open.
    expect(pings).toBeGreaterThanOrEqual(1);
    expect(answering.readyState).toBe(ws.WebSocket.OPEN);
  });
});
