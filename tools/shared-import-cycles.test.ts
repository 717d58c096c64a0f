/**
 * The contract's modules (src/shared) import one another without a circle,
 * type-only imports included: contract.ts and requests.ts used to import
 * each other, which made every change to one a question about load order.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SHARED = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'shared');

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(SHARED).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const text = readFileSync(join(SHARED, file), 'utf8');
    const specs = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.\/[^']+)'/gms)].map((m) => m[1]!.slice(2).replace(/\.js$/, '') + '.ts');
    graph.set(file, specs);
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const visit = (node: string, path: string[]): void => {
    const at = path.indexOf(node);
    if (at >= 0) {
      found.push([...path.slice(at), node]);
      return;
    }
    for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
  };
  for (const start of graph.keys()) visit(start, []);
  return found;
}

describe('src/shared imports', () => {
  it('finds the imports it checks', () => {
    expect(importGraph().get('contract.ts')).toEqual(expect.arrayContaining(['requests.ts', 'errors.ts', 'domain.ts']));
  });

  it('have no circle', () => {
    expect(cycles(importGraph())).toEqual([]);
  });
});
