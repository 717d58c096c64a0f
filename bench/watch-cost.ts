/**
 * `npm run bench:watch`: what live watching (chokidar, Scenery's options)
 * costs on a large tree: 100,000 files in 1,000 folders. Reports file
 * descriptors, inotify watches, memory and CPU, for the README's limits.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chokidar from 'chokidar';

const FILES = Number(process.argv[2] ?? 100_000);
const DIRS = Math.max(1, Math.round(FILES / 100));
const root = mkdtempSync(join(tmpdir(), 'scenery-watch-'));

function fds(): { total: number; inotify: number; watches: number } {
  let inotify = 0;
  let watches = 0;
  const list = readdirSync('/proc/self/fd');
  for (const fd of list) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).includes('inotify')) {
        inotify++;
        watches += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify wd:')).length;
      }
    } catch {
      // fd closed meanwhile
    }
  }
  return { total: list.length, inotify, watches };
}

async function main(): Promise<void> {
  for (let d = 0; d < DIRS; d++) {
    const dir = join(root, `album-${d}`);
    mkdirSync(dir);
    for (let f = 0; f < FILES / DIRS; f++) writeFileSync(join(dir, `IMG_${f}.jpg`), '');
  }
  global.gc?.();
  const before = { rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed, fds: fds(), cpu: process.cpuUsage() };
  const t0 = performance.now();
  const w = chokidar.watch(root, { ignoreInitial: true, persistent: true, followSymlinks: false, atomic: true, alwaysStat: true, awaitWriteFinish: { stabilityThreshold: 800, pollInterval: 100 } });
  await new Promise<void>((r) => w.on('ready', () => r()));
  const readyS = (performance.now() - t0) / 1000;
  const cpuReady = process.cpuUsage(before.cpu);
  global.gc?.();
  const after = { rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed, fds: fds() };
  const idleCpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, 10_000));
  const idle = process.cpuUsage(idleCpu0);
  // one new file: how long until chokidar reports it (awaitWriteFinish 800 ms included)
  const t1 = performance.now();
  const seen = new Promise<number>((r) => w.on('add', () => r(performance.now() - t1)));
  writeFileSync(join(root, 'album-0', 'new.jpg'), 'x');
  const latency = await seen;
  await w.close();
  rmSync(root, { recursive: true, force: true });
  const rows = [
    ['files / folders watched', `${FILES.toLocaleString()} / ${DIRS.toLocaleString()}`],
    ['time to ready', `${readyS.toFixed(1)} s`],
    ['CPU to ready', `${((cpuReady.user + cpuReady.system) / 1e6).toFixed(1)} s`],
    ['RSS growth', `${Math.round((after.rss - before.rss) / 1e6)} MB`],
    ['JS heap growth', `${Math.round((after.heap - before.heap) / 1e6)} MB`],
    ['file descriptors', `${before.fds.total} -> ${after.fds.total}`],
    ['inotify instances / watches', `${after.fds.inotify} / ${after.fds.watches}`],
    ['idle CPU over 10 s', `${((idle.user + idle.system) / 1e4 / 10).toFixed(2)} %`],
    ['new-file event latency', `${Math.round(latency)} ms`],
  ];
  for (const [k, v] of rows) console.log(`${k!.padEnd(30)} ${v}`);
}

void main();
