#!/usr/bin/env node
// The `scenery` command: runs the bundled CLI (built by `npm run build:cli`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../out/cli/scenery.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('scenery: the CLI is not built yet. Run `npm run build:cli` (or `npm run build`) first.');
  process.exit(2);
}
await import(entry);
