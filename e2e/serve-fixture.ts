/** Starts `scenery serve` as a real process on a temporary library. */
import type { Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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
  /** Stops the server and deletes its library. */
  stop(): Promise<void>;
  /** Stops the server (as a crash or a restart would) and keeps its library. */
  halt(): Promise<void>;
  /** Starts the server again on the same port and library (a given --token carries over; a generated one would not). */
  restart(): Promise<void>;
}

function launch(dir: string, args: string[], env: Record<string, string>, port: number): { proc: ChildProcess; output: () => string; url: Promise<string> } {
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'scenery.mjs'), 'serve', '--library', join(dir, 'lib'), '--models', join(dir, 'models'), '--port', String(port), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += String(d)));
  proc.stderr!.on('data', (d) => (out += String(d)));
  const url = new Promise<string>((res, rej) => {
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
  return { proc, output: () => out, url };
}

async function halt(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

export async function serve(args: string[] = [], env: Record<string, string> = {}, prepare?: (dir: string) => void): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'scenery-e2e-'));
  prepare?.(dir);
  let run = launch(dir, args, env, 0);
  const url = await run.url;
  const port = Number(new URL(url).port);
  const served: Served = {
    url,
    dir,
    proc: run.proc,
    output: () => run.output(),
    halt: () => halt(run.proc),
    restart: async () => {
      await halt(run.proc);
      run = launch(dir, args, env, port);
      served.proc = run.proc;
      await run.url;
    },
    stop: async () => {
      await halt(run.proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return served;
}

/**
 * `scenery serve` with the SqueezeNet test model, `photos` (names in ../shared/data/photos) copied into a folder
 * `folderName` of its temporary directory, the page opened, and the folder added through the API as the UI adds it.
 * The caller waits for what its test needs (tagged, shown) and stops the server.
 */
export async function servePhotos(page: Page, photos: readonly string[], folderName = 'Photos'): Promise<{ s: Served; folder: string }> {
  const s = await serve(['--model', SQUEEZENET]);
  const folder = join(s.dir, folderName);
  mkdirSync(folder);
  for (const f of photos) copyFileSync(join(SHARED, 'photos', f), join(folder, f));
  await page.goto(s.url);
  const status = await page.evaluate(async (path) => (await fetch('/api/folders.add', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path }) })).status, folder);
  if (status !== 200) throw new Error(`folders.add answered ${status}`);
  return { s, folder };
}

/**
 * Every photo on screen drawn: no placeholder left for a page still loading, and each thumbnail matched by `selector`
 * decoded. Checking the images alone passed while a page's cells were still placeholders (CI read them mid-load).
 */
export async function thumbsLoaded(page: Page, selector = '.cell img, .card img', opts: { atLeastOne?: boolean } = {}): Promise<void> {
  await page.waitForFunction(
    ([sel, atLeastOne]) => {
      const imgs = [...document.querySelectorAll<HTMLImageElement>(sel)];
      return (!atLeastOne || imgs.length > 0) && !document.querySelector('.cell.placeholder') && imgs.every((i) => i.complete && i.naturalWidth > 0);
    },
    [selector, opts.atLeastOne ?? true] as const,
  );
}
