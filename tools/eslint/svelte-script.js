// ESLint processor: hands the <script> blocks of a .svelte file to ESLint as
// TypeScript, so that rules about imports and globals (scenery/layers) cover
// components too. The project has no svelte-eslint-parser, so markup and
// styles are not linted, and rules that need to see the markup (unused
// variables) or the types must stay off for these blocks (eslint.config.js).
const SCRIPT = /<script\b[^>]*>([\s\S]*?)<\/script>/g;

/** Per file: the line in the .svelte file where each script block starts. */
const blockLines = new Map();

export const svelteScript = {
  meta: { name: 'scenery/svelte-script' },
  preprocess(text, filename) {
    const blocks = [];
    const lines = [];
    for (const m of text.matchAll(SCRIPT)) {
      const start = m.index + m[0].indexOf('>') + 1;
      lines.push(text.slice(0, start).split('\n').length - 1);
      blocks.push({ text: m[1], filename: `script${blocks.length}.ts` });
    }
    blockLines.set(filename, lines);
    return blocks;
  },
  postprocess(messages, filename) {
    const lines = blockLines.get(filename) ?? [];
    blockLines.delete(filename);
    return messages.flatMap((list, i) =>
      list.map((m) => ({ ...m, line: m.line + (lines[i] ?? 0), ...(m.endLine ? { endLine: m.endLine + (lines[i] ?? 0) } : {}) })),
    );
  },
  supportsAutofix: false,
};
