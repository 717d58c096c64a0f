#!/usr/bin/env node
// The `scenery` command: runs the bundled CLI (built by `npm run build:cli`).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../out/cli/scenery.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('scenery: the CLI is not built yet. Run `npm run build:cli` (or `npm run build`) first.');
  process.exit(2);
}
// glibc gives every thread that allocates its own malloc arena (libvips, onnxruntime and libuv each run several),
// and freed memory stays in them: indexing measured about 80 MB more peak RSS without this limit (README, Measured).
// It can only be set before the process starts, so the command restarts itself once with it.
if (process.platform === 'linux' && !process.env.MALLOC_ARENA_MAX) {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, MALLOC_ARENA_MAX: '2' },
  });
  if (r.signal) process.kill(process.pid, r.signal);
  process.exit(r.status ?? 1);
}
await import(entry);
