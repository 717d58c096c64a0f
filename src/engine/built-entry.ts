/**
 * Where a piece of the engine that runs on its own (the engine process, the model worker) is found: beside the
 * running bundle (the app, the CLI, the server), else, when running from sources (tests, the bench), in the built
 * copy under out/cli, looked for up the tree from here.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function builtEntry(file: string, from: string = import.meta.url): string {
  const here = dirname(fileURLToPath(from));
  const sibling = join(here, file);
  if (existsSync(sibling)) return sibling;
  let dir = here;
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'out', 'cli', file);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`${file} not found: run \`npm run build:cli\``);
}
