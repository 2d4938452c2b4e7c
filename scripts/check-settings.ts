import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Every setting a program reads is in the README's settings tables (the bar: "Keep the README
 * true: every setting"). A setting is a key of a zod environment schema, written one per line as
 * `NAME: z...` in a file named env.ts (or subgraph-main.ts, where the subgraphs' shared ones live);
 * the README must name it in backticks. Fails listing what is missing.
 */
const files = execFileSync('git', ['ls-files', '*env.ts', 'packages/core/src/subgraph-main.ts'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && !f.includes('/test/') && !f.startsWith('mobile/'));
const readme = readFileSync('README.md', 'utf8');
const missing: string[] = [];
for (const file of files) {
  for (const match of readFileSync(file, 'utf8').matchAll(/^\s+([A-Z][A-Z0-9_]+):\s*[a-zA-Z]/gm)) {
    const name = match[1]!;
    if (!readme.includes(`\`${name}\``)) missing.push(`${name} (${file})`);
  }
}
if (missing.length > 0) {
  console.error(`Settings missing from README.md's settings tables:\n  ${[...new Set(missing)].join('\n  ')}`);
  process.exit(1);
}
console.log(`every setting of ${files.length} env files is in README.md`);
