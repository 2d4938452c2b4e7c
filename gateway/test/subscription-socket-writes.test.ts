import * as ws from 'ws';
import { describe, expect, it } from 'vitest';
import { textFrame } from '../src/transports/graphql-ws.js';

/**
 * The graphql-ws adapter's own writes (issue 16): each `next` frame built as one Buffer must be
 * the bytes ws's Sender would have written for the same text.
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
