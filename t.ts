import { FAMILIES, FAMILY_ORDER } from './src/engine/search/families.ts';
import { PLACES365_LABELS } from './src/engine/labels/label-sets.ts';
const all = new Set(PLACES365_LABELS);
for (const [f, ls] of Object.entries(FAMILIES)) for (const l of ls) if (!all.has(l)) console.log('unknown', f, l);
const covered = new Set(Object.values(FAMILIES).flat());
console.log('uncovered', PLACES365_LABELS.filter(l => !covered.has(l)).join(' '));
console.log(Object.keys(FAMILIES).filter(f => !FAMILY_ORDER.includes(f)));
