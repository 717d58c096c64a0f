#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node
// The `scenery` command: runs the bundled CLI (out/cli, built at install time by `prepare`, or here on first use).
// MALLOC_ARENA_MAX=2 (in the line above, so set before the process starts; a no-op off glibc): glibc gives every
// thread that allocates its own malloc arena (libvips, onnxruntime and libuv each run several) and freed memory
// stays in them; indexing measured about 80 MB less peak RSS with the limit (README, Measured).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../out/cli/scenery.js', import.meta.url));
if (!existsSync(entry)) {
  // Never "not built": build it now (about a second), on stderr so that --json output stays clean.
  process.stderr.write('scenery: building the command line (first use)…\n');
  try {
    const { buildCli } = await import('../scripts/build-cli.mjs');
    await buildCli(fileURLToPath(new URL('../out/cli', import.meta.url)));
  } catch (e) {
    console.error(`scenery: the CLI is not built and could not be built now (${e instanceof Error ? e.message.split('\n')[0] : e}). Run \`npm install\` (it installs esbuild and builds it), then try again.`);
    process.exit(2);
  }
}
await import(entry);
