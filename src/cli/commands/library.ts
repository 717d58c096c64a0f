/** `scenery index`, `scenery search`, `scenery photos`: the library from the command line. */
import { join, resolve } from 'node:path';
import { Library } from '../../engine/library.js';
import { defaultLibraryDir, defaultModelsDir } from '../../engine/paths.js';
import { damagedCatalogError, decodeTop } from '../../engine/catalog/catalog.js';
import { keywordsOf } from '../../engine/catalog/views.js';
import { PLACES365_LABELS } from '../../engine/labels/label-sets.js';
import { intOption, parse, UsageError } from '../args.js';

export const libraryHelp = `scenery index FOLDER... [--library DIR] [--model NAME|PATH]
  scans the folders, classifies every photo, prints a summary (exit 0 when the run completed, even if some files were bad;
  1 with the reason when the model cannot load or another process is writing the library)
scenery search QUERY [--library DIR] [--json] [--limit N]
  e.g. beach · indoor · "mountain OR forest" · "water -beach" · "kitchen folder:Trips from:2020"
scenery photos [--library DIR] [--json]
  every photo with its size as displayed, date taken, status, error and top labels
  (search and photos only read: they refuse a folder that holds no library)`;

const common = {
  library: { type: 'string' as const },
  models: { type: 'string' as const },
  json: { type: 'boolean' as const },
};

async function indexCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...common, model: { type: 'string' }, threads: { type: 'string' } });
  if (!positionals.length) throw new UsageError('usage: scenery index FOLDER... [--library DIR] [--model NAME|PATH]');
  const started = performance.now();
  const lib = await Library.open({
    dir: values.library ?? defaultLibraryDir(),
    modelsDir: values.models ?? defaultModelsDir(),
    model: values.model ?? null,
    watch: false,
    threads: values.threads ? intOption(values.threads, 'threads', 2, 1, 256) : undefined,
  });
  try {
    if (lib.models.state.state !== 'ready') throw new Error(lib.models.noModelMessage());
    // Load the model before touching any photo: one that cannot load is the run's failure (exit 1, with the reason),
    // not a retry loop that ends with every photo marked failed.
    try {
      await lib.models.warm();
    } catch (e) {
      throw new Error(`the scene model ${lib.models.state.state === 'ready' ? `"${lib.models.state.model.name}" ` : ''}could not be loaded: ${(e as Error).message}`);
    }
    const before = lib.catalog.photoCounts();
    for (const folder of positionals) {
      const abs = resolve(folder);
      const existing = lib.folders.list().find((f) => f.displayPath === abs);
      if (!existing) lib.folders.add(abs);
    }
    await lib.initialScan;
    for (const f of lib.folders.list()) await lib.scanner.start(f.id);
    let lastLine = 0;
    const off = lib.events.on('indexing.progress', (p) => {
      if (!process.stderr.isTTY || Date.now() - lastLine < 250) return;
      lastLine = Date.now();
      process.stderr.write(`\r${p.done}/${p.total} ${p.rate.toFixed(1)} img/s${p.etaSeconds ? `, ${p.etaSeconds} s left` : ''}   `);
    });
    // A stall (full disk, read-only library) waits in the app and serve for space to come back; a batch run stops
    // with the reason and exit 1 instead of waiting unseen (or exiting 0 once nothing keeps the process alive).
    let onStall: (message: string) => void = () => {};
    const stalled = new Promise<string>((r) => (onStall = r));
    const offStall = lib.events.on('indexing.progress', (p) => p.stalled && onStall(p.stalled.message));
    lib.indexer.kick();
    const stall = await Promise.race([lib.indexer.whenIdle().then(() => null), stalled]);
    offStall();
    off();
    if (stall !== null) {
      if (process.stderr.isTTY) process.stderr.write('\n');
      throw new Error(`indexing stopped: ${stall} Run scenery index again once that is fixed; nothing is lost.`);
    }
    if (process.stderr.isTTY) process.stderr.write('\n');
    const after = lib.catalog.photoCounts();
    const seconds = (performance.now() - started) / 1000;
    const indexed = after.indexed - before.indexed;
    const failed = after.failed - before.failed;
    const summary = {
      indexed,
      failed,
      skipped: before.indexed,
      total: after.total - after.missing,
      seconds: Math.round(seconds * 10) / 10,
      images_per_second: Math.round(((indexed + failed) / seconds) * 100) / 100,
    };
    if (values.json) console.log(JSON.stringify(summary));
    else {
      console.log(`indexed ${indexed}, failed ${failed}, skipped ${summary.skipped} (already indexed), ${summary.seconds} s, ${summary.images_per_second} images/s`);
      const bad = lib.catalog.browse.failedPhotos();
      for (const b of bad) console.log(`  failed: ${b.rel_path}: ${b.error}`);
      // Files the scan could not catalogue at all (names not valid UTF-8, paths too long, unreadable subfolders).
      for (const f of lib.folders.list()) if (f.error) console.log(`  ${f.displayPath}: ${f.error}`);
    }
    return 0;
  } finally {
    await lib.close();
  }
}

async function searchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...common, limit: { type: 'string' } });
  const q = positionals.join(' ');
  if (!q) throw new UsageError('usage: scenery search QUERY [--library DIR] [--json]');
  const lib = await Library.open({ dir: values.library ?? defaultLibraryDir(), start: false, create: false });
  try {
    const r = lib.search.run(q, 0, intOption(values.limit, 'limit', 100, 1, 100_000));
    // Best match first: `match` is the scene the photo was found by and its confidence; `scene` is the photo's own shown scene.
    const rows = r.items.map((p) => ({
      id: p.id,
      path: lib.folders.photoFile(p.id)?.path ?? null,
      // A personal scene's hits (label my:<id>) also name the scene; prob is its classifier's 0..1 score.
      match: p.match ? { label: p.match.label, ...(p.match.index < 0 ? { name: p.match.name } : {}), prob: p.match.prob } : null,
      scene: p.scene ? { label: p.scene.label, prob: p.scene.prob } : null,
      corrected: p.corrected,
    }));
    if (values.json) console.log(JSON.stringify({ total: r.total, notices: r.notices, errors: r.query.errors, results: rows }, null, 2));
    else {
      for (const n of r.notices) console.error(n);
      for (const e of r.query.errors) console.error(e);
      for (const row of rows) {
        const shown = row.match ?? row.scene;
        const own = row.scene && row.match && row.scene.label !== row.match.label ? `  (shows ${row.scene.label})` : '';
        console.log(`${shown ? shown.prob.toFixed(3) : '  -  '}  ${(shown?.label ?? '').padEnd(24)} ${row.path}${own}`);
      }
      console.log(`${r.total} photo(s), ${r.tookMs} ms`);
    }
    return r.query.errors.length && !r.total ? 1 : 0;
  } finally {
    await lib.close();
  }
}

async function photosCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, common);
  const lib = await Library.open({ dir: values.library ?? defaultLibraryDir(), start: false, create: false });
  try {
    const rows = lib.catalog.browse.photoListing();
    const out = rows.map((r) => {
      const top = r.top_index && r.top_prob ? decodeTop({ top_index: r.top_index, top_prob: r.top_prob }) : null;
      return {
        path: resolve(r.folder_path, ...r.rel_path.split('/')),
        // A RAW beside its JPEG is one photo with both files (the shown one first).
        files: [r.rel_path, ...(JSON.parse(r.paired_paths) as string[])].map((rel) => resolve(r.folder_path, ...rel.split('/'))),
        width: r.width,
        height: r.height,
        taken_at: r.taken_at,
        status: r.status,
        error: r.error,
        scene: r.scene_index !== null ? PLACES365_LABELS[r.scene_index] : null,
        corrected: r.corrected === 1,
        top: top ? top.index.slice(0, 5).map((i, k) => ({ label: PLACES365_LABELS[i], prob: top.prob[k] })) : [],
        keywords: keywordsOf(r),
      };
    });
    if (values.json) console.log(JSON.stringify(out, null, 2));
    else
      for (const p of out)
        console.log(`${p.status.padEnd(8)} ${String(p.width ?? '-').padStart(5)}x${String(p.height ?? '-').padEnd(5)} ${(p.taken_at ?? '').padEnd(25)} ${(p.scene ?? '').padEnd(22)} ${p.path}${p.error ? `  (${p.error})` : ''}`);
    return 0;
  } finally {
    await lib.close();
  }
}

/** The --library of a command line (already validated by the command's own parse). */
function libraryDirOf(argv: string[]): string {
  const i = argv.findIndex((a) => a === '--library' || a.startsWith('--library='));
  const given = i < 0 ? undefined : argv[i]!.startsWith('--library=') ? argv[i]!.slice('--library='.length) : argv[i + 1];
  return resolve(given ?? defaultLibraryDir());
}

/**
 * A damaged catalog shows up on opening or only when a query reaches a bad page ("database disk image is
 * malformed"): either way the message names the file and the way out.
 */
function namingDamage(command: (argv: string[]) => Promise<number>): (argv: string[]) => Promise<number> {
  return async (argv) => {
    try {
      return await command(argv);
    } catch (e) {
      throw damagedCatalogError(e, join(libraryDirOf(argv), 'catalog.sqlite')) ?? e;
    }
  };
}

export const libraryCommands = { index: namingDamage(indexCommand), search: namingDamage(searchCommand), photos: namingDamage(photosCommand) };
