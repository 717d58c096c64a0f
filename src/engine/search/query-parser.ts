/**
 * The search language:
 *   beach                  a scene (label or human name, `_` and `/` read as spaces; prefixes too)
 *   water, food, city …    a family of scenes (families.ts)
 *   indoor, outdoor        CSAIL's indoor/outdoor split
 *   forest path            several words naming one scene
 *   a b                    both; a OR b: either; -c: not c
 *   folder:Trips           photos in folders whose path contains "Trips"
 *   keyword:Paris          photos with that keyword in their file or sidecar (written by another app); quotes for
 *                          several words: keyword:"Eiffel Tower". A plain word matches keywords too.
 *   from:2020-06 to:2021   taken in a date range (year, month or day); year:2019
 */
import type { ParsedQuery, ParsedQueryTerm } from '../../shared/domain.js';
import { PLACES365_LABELS, humanName } from '../labels/label-sets.js';
import { FAMILIES, SYNONYMS, familyTitle } from './families.js';

export function normalise(text: string): string {
  return text.toLowerCase().replace(/[_/()]+/g, ' ').replace(/\s+/g, ' ').trim();
}

const byNormalName = new Map<string, string>();
const byBase = new Map<string, string[]>();
for (const l of PLACES365_LABELS) {
  byNormalName.set(normalise(l), l);
  byNormalName.set(normalise(humanName(l)), l);
  const base = normalise(l.split('/')[0]!);
  byBase.set(base, [...(byBase.get(base) ?? []), l]);
}

interface Token {
  text: string;
  negated: boolean;
  quoted: boolean;
}

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  // A filter's quoted value (`keyword:"Eiffel Tower"`, `folder:"My Trips"`) is one token.
  const re = /(-?)((?:keyword|folder|in):)?"([^"]*)"|(\S+)/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(q))) {
    if (m[3] !== undefined && m[2]) out.push({ text: `${m[2]}${m[3]}`, negated: m[1] === '-', quoted: false });
    else if (m[3] !== undefined) out.push({ text: m[3], negated: m[1] === '-', quoted: true });
    else {
      const raw = m[4]!;
      const negated = raw.length > 1 && raw.startsWith('-');
      out.push({ text: negated ? raw.slice(1) : raw, negated, quoted: false });
    }
  }
  return out;
}

/** A date bound from `2020`, `2020-06` or `2020-06-15`; `end` gives the last instant of that period. */
export function parseDateBound(v: string, end: boolean): string | null {
  const m = /^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$/.exec(v);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = m[2] ? Number(m[2]) : null;
  const d = m[3] ? Number(m[3]) : null;
  if ((mo !== null && (mo < 1 || mo > 12)) || (d !== null && (d < 1 || d > 31))) return null;
  let t: number;
  if (!end) t = Date.UTC(y, (mo ?? 1) - 1, d ?? 1);
  else if (d !== null) t = Date.UTC(y, mo! - 1, d + 1) - 1;
  else if (mo !== null) t = Date.UTC(y, mo, 1) - 1;
  else t = Date.UTC(y + 1, 0, 1) - 1;
  return new Date(t).toISOString();
}

/** Resolves one word or phrase to a term. */
export function resolveTerm(text: string, negated: boolean): ParsedQueryTerm {
  const n = normalise(text);
  if (n === 'indoor' || n === 'indoors' || n === 'inside') return { kind: 'indoor', value: 'indoor', negated, labels: [] };
  if (n === 'outdoor' || n === 'outdoors' || n === 'outside') return { kind: 'outdoor', value: 'outdoor', negated, labels: [] };
  if (FAMILIES[n]) {
    // `beach`, `mountain`: also a scene's name, so say that the whole family is shown.
    const alsoScene = byNormalName.has(n) || byBase.has(n);
    return { kind: 'family', value: n, negated, labels: [...FAMILIES[n]!], ...(alsoScene ? { widenedFrom: text } : {}) };
  }
  const exact = byNormalName.get(n);
  if (exact) return { kind: 'label', value: exact, negated, labels: [exact] };
  const base = byBase.get(n);
  if (base) return { kind: 'label', value: n, negated, labels: base };
  const syn = SYNONYMS[n];
  if (syn && FAMILIES[syn]) return { kind: 'family', value: syn, negated, labels: [...FAMILIES[syn]!], widenedFrom: text };
  // prefix of a scene name (any word start), e.g. "moun" or "terminal"
  const prefix = PLACES365_LABELS.filter((l) => {
    const name = normalise(l);
    return name.startsWith(n) || name.includes(` ${n}`);
  });
  if (prefix.length && n.length >= 2) return { kind: 'label', value: n, negated, labels: prefix };
  return { kind: 'text', value: text, negated, labels: [] };
}

/**
 * `isKeyword(word)`: whether any photo has a keyword of that name; a word that names no scene is then a keyword
 * term instead of an error.
 */
export function parseQuery(q: string, isKeyword: (text: string) => boolean = () => false): ParsedQuery {
  const result: ParsedQuery = { any: [], folder: null, from: null, to: null, errors: [] };
  const tokens = tokenize(q);
  let group: ParsedQueryTerm[] = [];
  const words: Token[] = [];

  const flushWords = (): void => {
    // Greedy longest match: "forest path" is one scene, "beach sunset" two words.
    let i = 0;
    while (i < words.length) {
      let matched = false;
      for (let j = Math.min(words.length, i + 4); j > i + 1; j--) {
        const slice = words.slice(i, j);
        if (slice.some((w) => w.negated && w !== slice[0])) continue;
        const phrase = normalise(slice.map((w) => w.text).join(' '));
        const label = byNormalName.get(phrase);
        if (label) {
          group.push({ kind: 'label', value: label, negated: slice[0]!.negated, labels: [label] });
          i = j;
          matched = true;
          break;
        }
      }
      if (!matched) {
        const w = words[i]!;
        const term = resolveTerm(w.text, w.negated);
        if (term.kind === 'text' && isKeyword(w.text)) group.push({ kind: 'keyword', value: w.text, negated: w.negated, labels: [] });
        else if (term.kind === 'text') result.errors.push(`No scene or family called "${w.text}", and no photo has that keyword.`);
        else group.push(term);
        i++;
      }
    }
    words.length = 0;
  };

  for (const t of tokens) {
    if (!t.quoted && (t.text === 'OR' || t.text === '|')) {
      flushWords();
      if (group.length) result.any.push(group);
      group = [];
      continue;
    }
    const filter = !t.quoted ? /^(folder|in|from|after|to|before|until|year|keyword):(.*)$/i.exec(t.text) : null;
    if (filter) {
      flushWords();
      const key = filter[1]!.toLowerCase();
      const value = filter[2]!.replace(/^"|"$/g, '');
      if (key === 'keyword') {
        if (value.trim()) group.push({ kind: 'keyword', value: value.trim(), negated: t.negated, labels: [] });
        else result.errors.push('keyword: needs a name, e.g. keyword:Paris or keyword:"Eiffel Tower".');
      } else if (key === 'folder' || key === 'in') result.folder = value || null;
      else {
        const from = key === 'from' || key === 'after' || key === 'year' ? parseDateBound(value, false) : null;
        const to = key === 'to' || key === 'before' || key === 'until' || key === 'year' ? parseDateBound(value, true) : null;
        if ((key === 'year' && (!from || !to)) || (!from && !to)) result.errors.push(`"${value}" is not a date: use 2020, 2020-06 or 2020-06-15.`);
        if (from) result.from = from;
        if (to) result.to = to;
      }
      continue;
    }
    if (t.quoted) {
      flushWords();
      const term = resolveTerm(t.text, t.negated);
      if (term.kind === 'text' && isKeyword(t.text)) group.push({ kind: 'keyword', value: t.text, negated: t.negated, labels: [] });
      else if (term.kind === 'text') result.errors.push(`No scene or family called "${t.text}", and no photo has that keyword.`);
      else group.push(term);
      continue;
    }
    words.push(t);
  }
  flushWords();
  if (group.length) result.any.push(group);
  return result;
}


/** One plain sentence per word that was read as a wider family: `car: showing Transport (34 scenes)`. */
export function widenedNotices(q: ParsedQuery): string[] {
  const out: string[] = [];
  for (const group of q.any)
    for (const t of group) {
      if (t.kind !== 'family' || t.widenedFrom === undefined) continue;
      const line = `${t.widenedFrom}: ${t.negated ? 'leaving out' : 'showing'} ${familyTitle(t.value)} (${t.labels.length} scenes)`;
      if (!out.includes(line)) out.push(line);
    }
  return out;
}
