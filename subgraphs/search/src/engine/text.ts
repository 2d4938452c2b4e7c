import { createHash } from 'node:crypto';
import { appError, type Role, type SearchType, SEARCH_TYPES } from '@organoise/core';
import type { SearchHighlight, SearchMatch } from './search-index.js';

/**
 * What every index does the same way with what a person typed and what it answers: the words of a
 * query (never its syntax), the opaque cursor, the ranges of a highlight. Engine-neutral, so the
 * Elasticsearch index can share it.
 */

/** At most this many words of a query count (the rest are ignored): a query is a few words, not a document. */
export const MAX_QUERY_WORDS = 16;
/** A longer word is cut to this many characters (still matched as a prefix). */
export const MAX_WORD_LENGTH = 64;
/** Typo tolerance applies to words at least this long: shorter ones would match almost any name. */
export const MIN_TYPO_WORD_LENGTH = 4;

/**
 * The words of a query: runs of letters, marks and digits, lowercased, each once, in order. Every
 * other character (tsquery or Lucene syntax: & | ! ( ) : * ' \ " < > and the rest) only separates
 * words, so no input is an operator and none can make the engine fail.
 */
export function wordsOf(text: string): string[] {
  const words = text.normalize('NFC').toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
  return [...new Set(words.map((w) => w.slice(0, MAX_WORD_LENGTH)))].slice(0, MAX_QUERY_WORDS);
}

const RANK: Record<Role, number> = { VIEWER: 1, MEMBER: 2, ADMIN: 3, OWNER: 4 };
/** A role's rank as the index stores minRole (VIEWER 1 ... OWNER 4). */
export const rankOf = (role: Role): number => RANK[role];

/** Markers an engine puts around matched words; removed from indexed text first, so they mean only that. */
export const MARK_START = '\uE000';
export const MARK_END = '\uE001';
export const FRAGMENT_SEPARATOR = '\uE002';

/** Indexed text without NUL (Postgres text refuses it) nor the private markers. */
export const cleanText = (text: string): string => text.replace(/[\u0000\uE000-\uE002]/g, '');

/** Marked text (MARK_START word MARK_END) as plain text and the ranges (UTF-16 code units) of the marked words. */
export function parseMarked(field: SearchHighlight['field'], marked: string): SearchHighlight {
  let text = '';
  const matches: SearchMatch[] = [];
  let start = -1;
  for (const char of marked) {
    if (char === MARK_START) start = text.length;
    else if (char === MARK_END) {
      if (start >= 0 && text.length > start) matches.push({ start, length: text.length - start });
      start = -1;
    } else text += char;
  }
  return { field, text, matches };
}

/** The edits a typed word may be away from a name's word: one up to five characters, two beyond. */
export const typoEdits = (word: string): number => ([...word].length <= 5 ? 1 : 2);

/** Levenshtein distance (insertions, deletions, substitutions), by code point. */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[y.length]!;
}

/**
 * Whether a typed word is a name's word despite a typo: the word's beginning (one character shorter,
 * as long, or one longer than what was typed, so a prefix with a typo counts) is within typoEdits.
 * The Postgres index asks the same in SQL (fuzzystrmatch's levenshtein).
 */
export function typoMatches(typed: string, word: string): boolean {
  const length = [...typed].length;
  if (length < MIN_TYPO_WORD_LENGTH) return false;
  const chars = [...word.toLowerCase()];
  const k = typoEdits(typed);
  return [length - 1, length, length + 1].some((n) => editDistance(typed, chars.slice(0, n).join('')) <= k);
}

/**
 * A title's highlight when no word of it matched exactly (a name found despite a typo): the words
 * of the title a query word is close to are marked.
 */
export function typoHighlight(title: string, words: readonly string[]): SearchHighlight {
  const matches: SearchMatch[] = [];
  for (const m of title.matchAll(/[\p{L}\p{M}\p{N}]+/gu)) {
    if (words.some((w) => typoMatches(w, m[0]))) matches.push({ start: m.index, length: m[0].length });
  }
  return { field: 'title', text: title, matches };
}

/** What a cursor holds: the last hit's sort key and which query it belongs to. */
export interface CursorKey {
  /** The score as the engine compares it (a decimal string, exact). */
  score: string;
  updatedAt: string;
  type: SearchType;
  id: string;
}

/** Which query a cursor was made for: its words and types (another query's cursor is refused). */
export const querySignature = (words: readonly string[], types: readonly SearchType[] | null): string =>
  createHash('sha256')
    .update(JSON.stringify([words, types ? [...types].sort() : null]))
    .digest('base64url')
    .slice(0, 12);

export const encodeSearchCursor = (signature: string, key: CursorKey): string =>
  Buffer.from(JSON.stringify({ q: signature, s: key.score, u: key.updatedAt, t: key.type, i: key.id })).toString('base64url');

const badCursor = () => appError('BAD_USER_INPUT', 'after is not a cursor of this search', { issues: [{ path: 'after', message: 'invalid cursor' }] });

export function decodeSearchCursor(signature: string, cursor: string): CursorKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const p = parsed as { q?: unknown; s?: unknown; u?: unknown; t?: unknown; i?: unknown } | null;
  if (!p || typeof p !== 'object' || p.q !== signature) throw badCursor();
  if (typeof p.s !== 'string' || !/^-?\d+(\.\d+)?$/.test(p.s)) throw badCursor();
  if (typeof p.u !== 'string' || Number.isNaN(Date.parse(p.u))) throw badCursor();
  if (typeof p.t !== 'string' || !(SEARCH_TYPES as readonly string[]).includes(p.t) || typeof p.i !== 'string') throw badCursor();
  return { score: p.s, updatedAt: new Date(p.u).toISOString(), type: p.t as SearchType, id: p.i };
}
