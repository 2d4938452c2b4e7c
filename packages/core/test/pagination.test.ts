import { pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageSize, type SortKey } from '../src/index.js';

const table = pgTable('t', { id: uuid('id'), name: text('name') });
type Row = { id: string; name: string };
const byName: SortKey<Row>[] = [
  { column: table.name, cast: 'text', direction: 'ASC', value: (r) => r.name },
  { column: table.id, cast: 'uuid', direction: 'ASC', value: (r) => r.id },
];
const byNameDesc: SortKey<Row>[] = byName.map((k) => ({ ...k, direction: 'DESC' }));

describe('cursors', () => {
  it('round-trips the sort values of a row', () => {
    const cursor = encodeCursor(byName, { id: 'a', name: 'Ada' });
    expect(decodeCursor(byName, cursor)).toEqual(['Ada', 'a']);
  });

  it('refuses a cursor made for another ordering, and garbage, with BAD_USER_INPUT', () => {
    const cursor = encodeCursor(byName, { id: 'a', name: 'Ada' });
    expect(() => decodeCursor(byNameDesc, cursor)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    expect(() => decodeCursor(byName, 'not a cursor')).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    const objectValue = Buffer.from(JSON.stringify({ o: 'name:ASC,id:ASC', v: [{}, 'a'] })).toString('base64url');
    expect(() => decodeCursor(byName, objectValue)).toThrow();
  });

  it('bounds page sizes', () => {
    expect(pageSize({})).toBe(20);
    expect(pageSize({ first: 0 })).toBe(0);
    expect(() => pageSize({ first: 101 })).toThrow();
    expect(() => pageSize({ first: -1 })).toThrow();
  });
});
