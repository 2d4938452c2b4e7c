import { readFileSync } from 'node:fs';

/**
 * What grew between two V8 heap snapshots of one process: live objects grouped by kind and
 * constructor (strings together), the groups whose total size changed most, with their counts.
 * A snapshot holds only what a full GC left, so two taken minutes apart show what accumulates.
 *
 *   npx tsx bench/heap-diff.ts before.heapsnapshot after.heapsnapshot [rows]
 *
 * Snapshots of the soak's services (docs/benchmarks.md, section 4): start it with
 * NODE_OPTIONS="--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR" (its children inherit it),
 * then `kill -USR2 <pid>` (the pids are printed at start) at two moments. Node needs a few times
 * a snapshot's size in memory: --max-old-space-size=4096 for the platform's.
 */

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

interface Group {
  count: number;
  bytes: number;
}

function groups(file: string): Map<string, Group> {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const kinds = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const kindAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const out = new Map<string, Group>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const kind = kinds[snapshot.nodes[i + kindAt]!]!;
    // A string's name is its text: every string would be a group of its own.
    const key = kind.endsWith('string') ? '(strings)' : `${kind}: ${snapshot.strings[snapshot.nodes[i + nameAt]!]!.slice(0, 60)}`;
    const group = out.get(key) ?? { count: 0, bytes: 0 };
    group.count++;
    group.bytes += snapshot.nodes[i + sizeAt]!;
    out.set(key, group);
  }
  return out;
}

const [beforeFile, afterFile, rowsArg] = process.argv.slice(2);
if (!beforeFile || !afterFile) {
  console.error('usage: tsx bench/heap-diff.ts before.heapsnapshot after.heapsnapshot [rows]');
  process.exit(2);
}
const before = groups(beforeFile);
const after = groups(afterFile);
const none: Group = { count: 0, bytes: 0 };
const rows = [...new Set([...before.keys(), ...after.keys()])].map((key) => {
  const a = before.get(key) ?? none;
  const b = after.get(key) ?? none;
  return { key, bytes: b.bytes - a.bytes, count: b.count - a.count, from: a.count, to: b.count };
});
const total = (m: Map<string, Group>) => [...m.values()].reduce((sum, g) => sum + g.bytes, 0);
console.log(`live heap ${total(before)} -> ${total(after)} bytes (${total(after) - total(before) >= 0 ? '+' : ''}${total(after) - total(before)})`);
rows.sort((x, y) => Math.abs(y.bytes) - Math.abs(x.bytes));
for (const row of rows.slice(0, Number(rowsArg ?? 30))) {
  console.log(`${(row.bytes >= 0 ? '+' : '') + row.bytes}`.padStart(11), `${(row.count >= 0 ? '+' : '') + row.count}`.padStart(8), `(${row.from} -> ${row.to})`.padEnd(20), row.key);
}
