// Vitest global setup: the model worker runs as a real worker thread, so the
// Electron-free bundle (out/cli) must exist before tests start.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { stdio: 'inherit' });
}
