import type { Role, SearchDocument, SearchType } from '@organoise/core';

/**
 * The documents of `npm run bench:search`: a seeded, repeatable mix shaped like the platform's own
 * (what the sources send, docs/protocols/search.md): users, workflow definitions, runs with their
 * data, tasks, and files with extracted text, spread over organizations of very different sizes.
 * Words are drawn from a vocabulary by a Zipf law, so a few are in thousands of documents and most
 * in a handful, as in real text.
 */

/** mulberry32: a small seeded PRNG (the same corpus on every run). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const VOCABULARY = (
  'invoice approval contract review budget quarterly report annual planning onboarding offboarding customer supplier ' +
  'purchase order payment receipt refund expense travel claim policy compliance audit security incident response ' +
  'release deployment rollback migration database backup restore server network firewall access request permission ' +
  'hiring interview candidate offer salary payroll benefits holiday leave sick training course certificate feedback ' +
  'performance objective milestone project roadmap sprint backlog ticket issue defect feature design prototype mockup ' +
  'marketing campaign newsletter website landing analytics dashboard metrics revenue forecast pipeline lead opportunity ' +
  'renewal subscription license vendor assessment risk register mitigation control evidence signature approval legal ' +
  'agreement amendment termination notice invoice northern southern eastern western region office warehouse shipment ' +
  'delivery inventory stock product catalogue pricing discount quote estimate proposal tender submission evaluation ' +
  'scorecard meeting minutes agenda action summary draft final version template checklist procedure manual guideline ' +
  'handbook onboarding equipment laptop phone account password reset verification identity badge parking facility ' +
  'maintenance repair inspection safety hazard report environment energy consumption sustainability emissions target ' +
  'board shareholder dividend capital investment acquisition merger integration transition strategy vision mission ' +
  'quality assurance testing regression automation script integration partner channel reseller distributor wholesale ' +
  'retail store branch franchise customer satisfaction survey complaint escalation resolution support knowledge article'
)
  .split(' ')
  .filter((w, i, all) => w && all.indexOf(w) === i);

const FIRST = 'Ada Alan Barbara Claude Dennis Edsger Frances Grace Hedy Ivan John Katherine Linus Margaret Niklaus Olga Radia Sophie Tim Ursula Vint Whitfield Yukihiro Zhang Anita Bjarne Carol Donald Elena Fatima'.split(' ');
const LAST = 'Lovelace Turing Liskov Shannon Ritchie Dijkstra Allen Hopper Lamarr Sutherland McCarthy Johnson Torvalds Hamilton Wirth Taussky Perlman Wilson Berners Franklin Cerf Diffie Matsumoto Wei Borg Stroustrup Shaw Knuth Moreno Ahmed'.split(' ');
const STATES = ['RUNNING', 'WAITING', 'COMPLETED', 'FAILED', 'CANCELLED'];
const MEDIA = ['application/pdf', 'text/plain', 'text/markdown', 'text/csv', 'application/json', 'image/png'];
const ROLES: Role[] = ['VIEWER', 'VIEWER', 'VIEWER', 'MEMBER', 'MEMBER', 'ADMIN'];

/** A Zipf(s=1) draw over the vocabulary: rank 1 about 10x as frequent as rank 10. */
function zipfWord(random: () => number): string {
  const n = VOCABULARY.length;
  const h = Math.log(n) + 0.5772;
  const rank = Math.min(n, Math.max(1, Math.floor(Math.exp(random() * h - 0.5772))));
  return VOCABULARY[rank - 1]!;
}

const pick = <T>(random: () => number, values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
const words = (random: () => number, count: number) => Array.from({ length: count }, () => zipfWord(random));
const capital = (w: string) => w[0]!.toUpperCase() + w.slice(1);
function sentences(random: () => number, wordCount: number): string {
  const out: string[] = [];
  let left = wordCount;
  while (left > 0) {
    const n = Math.min(left, 6 + Math.floor(random() * 12));
    const s = words(random, n);
    out.push(`${capital(s.join(' '))}${random() < 0.2 ? ` ${Math.floor(random() * 10_000)}` : ''}.`);
    left -= n;
  }
  return out.join(' ');
}

/** Types in the proportions a working organization has them. */
const TYPE_MIX: [SearchType, number][] = [
  ['User', 0.08],
  ['WorkflowDefinition', 0.03],
  ['WorkflowRun', 0.39],
  ['HumanTask', 0.3],
  ['File', 0.2],
];

export interface Corpus {
  organizations: { id: string; documents: number }[];
  /** Yields the documents in batches, as an indexer receives them. */
  batches(size: number): Generator<SearchDocument[]>;
}

/**
 * `total` documents over `organizations` organizations: the first holds a quarter of them, the rest
 * share the remainder by a Zipf law (a few mid-size organizations, a long tail of small ones).
 */
export function corpus(total: number, organizations: number, seed = 15): Corpus {
  const big = Math.round(total * 0.25);
  const weights = Array.from({ length: organizations - 1 }, (_, i) => 1 / (i + 1));
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = [big, ...weights.map((w) => Math.max(1, Math.floor(((total - big) * w) / sum)))];
  sizes[1]! += total - sizes.reduce((a, b) => a + b, 0);
  const orgs = sizes.map((documents, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, documents }));

  function document(random: () => number, organizationId: string, n: number): SearchDocument {
    let r = random();
    let type: SearchType = 'File';
    for (const [t, share] of TYPE_MIX) {
      if (r < share) {
        type = t;
        break;
      }
      r -= share;
    }
    const updatedAt = new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 330 * 86_400_000)).toISOString();
    const base = { type, id: `${type[0]}${n}`, organizationId, updatedAt };
    switch (type) {
      case 'User': {
        const name = `${pick(random, FIRST)} ${pick(random, LAST)}`;
        return { ...base, minRole: 'VIEWER', title: name, body: `${name.toLowerCase().replace(' ', '.')}${n}@example.com`, keywords: { role: pick(random, ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']) } };
      }
      case 'WorkflowDefinition':
        return { ...base, minRole: 'VIEWER', title: capital(words(random, 2 + Math.floor(random() * 2)).join(' ')), body: sentences(random, 15 + Math.floor(random() * 30)), keywords: {} };
      case 'WorkflowRun': {
        const data = Array.from({ length: 3 + Math.floor(random() * 5) }, () => `${zipfWord(random)}: ${random() < 0.5 ? Math.floor(random() * 100_000) : words(random, 1 + Math.floor(random() * 3)).join(' ')}`);
        return { ...base, minRole: pick(random, ROLES), title: `${capital(words(random, 2).join(' '))} #${n}`, body: data.join('\n'), keywords: { state: pick(random, STATES) } };
      }
      case 'HumanTask':
        return { ...base, minRole: pick(random, ROLES), title: `${capital(zipfWord(random))} ${words(random, 1 + Math.floor(random() * 3)).join(' ')}`, body: sentences(random, 5 + Math.floor(random() * 25)), keywords: { state: pick(random, ['OPEN', 'DONE']) } };
      case 'File': {
        const media = pick(random, MEDIA);
        const extension = media.split('/')[1]!;
        // Extracted text: none for images, from a paragraph to a few pages for the rest.
        const body = media.startsWith('image/') ? '' : sentences(random, 40 + Math.floor(random() ** 2 * 1500));
        return { ...base, minRole: pick(random, ROLES), title: `${words(random, 1 + Math.floor(random() * 3)).join('-')}-${n}.${extension}`, body, keywords: { contentType: media } };
      }
    }
  }

  return {
    organizations: orgs,
    *batches(size: number) {
      const random = rng(seed);
      let batch: SearchDocument[] = [];
      let n = 0;
      for (const org of orgs) {
        for (let i = 0; i < org.documents; i++) {
          batch.push(document(random, org.id, n++));
          if (batch.length === size) {
            yield batch;
            batch = [];
          }
        }
      }
      if (batch.length > 0) yield batch;
    },
  };
}

/** A word with one typo: two neighbouring letters swapped, or one left out (as people type). */
export function typo(random: () => number, word: string): string {
  const i = 1 + Math.floor(random() * (word.length - 2));
  return random() < 0.5 ? word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2) : word.slice(0, i) + word.slice(i + 1);
}

export { zipfWord, FIRST, LAST };
