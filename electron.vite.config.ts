import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Native modules stay outside the bundles: they are loaded from node_modules
// (unpacked from asar in installers), never inlined.
const nativeExternals = ['onnxruntime-node', 'sharp', 'better-sqlite3', 'chokidar', 'h5wasm', 'h5wasm/node', 'exifr', 'zod', 'exiftool-vendored'];

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        external: nativeExternals,
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          'model-worker': resolve(__dirname, 'src/engine/model/runtime/worker-entry.ts'),
          'personal-worker': resolve(__dirname, 'src/engine/personal/personal-worker.ts'),
          // The engine's own process (an Electron utilityProcess): catalog, scanner, indexer, search.
          'engine-process': resolve(__dirname, 'src/engine/host/engine-process.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        // Sandboxed preloads must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
    plugins: [svelte()],
  },
});
