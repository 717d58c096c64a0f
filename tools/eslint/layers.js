// ESLint rule: Scenery's dependency direction.
//   shared   imports nothing of ours
//   engine   imports shared
//   server, cli, main import engine and shared
//   preload, renderer import shared
// Nothing imports main or the renderer. The engine, shared code and the
// renderer never import Electron; the renderer and shared code never import Node.
import path from 'node:path';
import { builtinModules } from 'node:module';

const ALLOWED = {
  shared: [],
  engine: ['shared'],
  server: ['engine', 'shared'],
  cli: ['engine', 'shared', 'server'],
  main: ['engine', 'shared'],
  preload: ['shared'],
  renderer: ['shared'],
};
const NO_ELECTRON = new Set(['shared', 'engine', 'server', 'cli', 'renderer']);
const NO_NODE = new Set(['shared', 'renderer', 'preload']);
const builtins = new Set(builtinModules);

export function layerOf(file) {
  const parts = path.normalize(file).split(/[\\/]/);
  // The last `src/<layer>` in the path (the renderer has its own src/ below it).
  for (let i = parts.length - 2; i >= 0; i--) {
    if (parts[i] === 'src' && parts[i + 1] in ALLOWED) return parts[i + 1];
  }
  return null;
}

function isNodeBuiltin(spec) {
  return spec.startsWith('node:') || builtins.has(spec.split('/')[0]);
}

export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: "Enforce Scenery's layer dependency direction" },
    schema: [],
    messages: {
      layer: '{{from}} must not import {{to}} ({{spec}}). Allowed: {{allowed}}.',
      electron: '{{from}} must stay free of Electron; put Electron code in src/main or src/preload.',
      node: '{{from}} runs without Node; it must not import {{spec}}.',
    },
  },
  create(context) {
    // The file on disk: a .svelte file's script block (svelte-script.js) is named `X.svelte/script0.ts`, and its imports
    // are relative to X.svelte's folder.
    const file = context.physicalFilename ?? context.filename;
    const from = layerOf(file);
    if (!from) return {};
    function check(node, spec) {
      if (typeof spec !== 'string') return;
      if (spec === 'electron' || spec.startsWith('electron/')) {
        if (NO_ELECTRON.has(from)) context.report({ node, messageId: 'electron', data: { from } });
        return;
      }
      if (from === 'preload' && spec === 'electron') return;
      if (NO_NODE.has(from) && isNodeBuiltin(spec) && !(from === 'preload')) {
        context.report({ node, messageId: 'node', data: { from, spec } });
        return;
      }
      if (!spec.startsWith('.')) return;
      const target = layerOf(path.resolve(path.dirname(file), spec));
      if (!target || target === from) return;
      if (!ALLOWED[from].includes(target)) {
        context.report({ node, messageId: 'layer', data: { from, to: target, spec, allowed: ALLOWED[from].join(', ') || 'nothing of ours' } });
      }
    }
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
    };
  },
};

import { svelteScript } from './svelte-script.js';

export default { rules: { layers: layersRule }, processors: { 'svelte-script': svelteScript } };
