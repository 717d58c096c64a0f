/** Starts `scenery serve` as a real process on a temporary library. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const SHARED = process.env.SCENERY_SHARED_DATA ?? resolve(ROOT, '..', 'shared', 'data');
export const SQUEEZENET = join(SHARED, 'models', 'squeezenet_places365', 'model.onnx');

export interface Served {
  url: string;
  dir: string;
  proc: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

export async function serve(args: string[] = [], env: Record<string, string> = {}, prepare?: (dir: string) => void): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'scenery-e2e-'));
  prepare?.(dir);
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'scenery.mjs'), 'serve', '--library', join(dir, 'lib'), '--models', join(dir, 'models'), '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += String(d)));
  proc.stderr!.on('data', (d) => (out += String(d)));
  const url = await new Promise<string>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`scenery serve did not start:\n${out}`)), 30_000);
    const check = (): void => {
      const m = /Open (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        res(m[1]!);
      }
    };
    proc.stdout!.on('data', check);
    proc.on('exit', (code) => rej(new Error(`scenery serve exited with ${code}:\n${out}`)));
  });
  return {
    url,
    dir,
    proc,
    output: () => out,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
