/** Turns a parsed query back into text, so a UI can remove one chip and search the rest. */
import type { ParsedQuery, ParsedQueryTerm } from './domain.js';

export function termText(t: ParsedQueryTerm): string {
  const v = t.kind === 'label' && t.labels.length === 1 ? t.value.replace(/[_/]+/g, ' ') : t.value;
  const quoted = v.includes(' ') ? `"${v}"` : v;
  return `${t.negated ? '-' : ''}${t.kind === 'keyword' ? 'keyword:' : ''}${quoted}`;
}

export function queryText(q: ParsedQuery): string {
  const parts: string[] = [q.any.map((g) => g.map(termText).join(' ')).join(' OR ')];
  if (q.folder) parts.push(`folder:${q.folder.includes(' ') ? `"${q.folder}"` : q.folder}`);
  if (q.from) parts.push(`from:${q.from.slice(0, 10)}`);
  if (q.to) parts.push(`to:${q.to.slice(0, 10)}`);
  return parts.filter(Boolean).join(' ');
}

/** The query without term `gi`/`ti` (or without a filter). */
export function withoutTerm(q: ParsedQuery, gi: number, ti: number): ParsedQuery {
  const any = q.any.map((g, i) => (i === gi ? g.filter((_, j) => j !== ti) : g)).filter((g) => g.length > 0);
  return { ...q, any };
}

export function withoutFilter(q: ParsedQuery, key: 'folder' | 'from' | 'to'): ParsedQuery {
  return { ...q, [key]: null };
}
