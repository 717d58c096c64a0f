/**
 * `scenery keywords [write|remove]`: scene keywords in the photos' metadata for other apps, from the command line.
 * The same setting and the same writer as the app's Keywords control (engine/keywords/); it takes the library's
 * writer lock, so it refuses to run beside the app or `scenery serve` on the same library (change it there).
 */
import { resolve } from 'node:path';
import { Library } from '../../engine/library.js';
import { acquireLibraryLock } from '../../engine/library-lock.js';
import { defaultLibraryDir } from '../../engine/paths.js';
import type { KeywordProgress, KeywordSettings } from '../../shared/domain.js';
import { parse, UsageError } from '../args.js';

export const EMBEDDED_WARNING =
  'embedded: Scenery rewrites the photo files themselves (their metadata only: the image data is copied, not re-encoded, and the file time is kept). ' +
  'RAW files other than DNG get a sidecar instead. Keep a backup if you are unsure.';

export const keywordsHelp = `scenery keywords [--library DIR] [--json]
  where scene keywords are written for other apps (Lightroom, digiKam, darktable...): off, sidecar or embedded
scenery keywords write [--library DIR] [--mode sidecar|embedded] [--sidecar-name basename|filename] [--touch]
  writes every photo's scene keywords (XMP dc:subject, lr:hierarchicalSubject Scenery|Outdoor|Forest|forest path,
  IPTC Keywords when embedded in JPEG/TIFF) and keeps them following the app's changes from now on;
  --sidecar-name basename: IMG_0001.xmp (Lightroom, Capture One), filename: IMG_0001.CR2.xmp (darktable, digiKam);
  --touch: embedded writes update the files' modification time (default: kept)
scenery keywords remove [--library DIR]
  takes Scenery's keywords out of every file it wrote them to (everything else stays) and turns writing off`;

const MODES = ['sidecar', 'embedded'] as const;
const NAMINGS = ['basename', 'filename'] as const;

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} takes ${allowed.join(' or ')}, not "${value}"`);
  return value as T;
}

function describe(s: KeywordSettings): string {
  if (s.mode === 'off') return 'keywords: off (Scenery writes nothing into the photos’ files)';
  const naming = s.sidecarName === 'basename' ? 'IMG_0001.xmp' : 'IMG_0001.CR2.xmp';
  return s.mode === 'sidecar'
    ? `keywords: XMP sidecars (${naming}; an existing sidecar under the other name is used)`
    : `keywords: embedded in JPEG, TIFF, PNG, WebP and DNG files${s.keepModifiedTime ? ', file times kept' : ''}; other files get sidecars (${naming})`;
}

async function runAll(lib: Library, start: () => void): Promise<KeywordProgress> {
  let last = 0;
  const off = lib.events.on('keywords.progress', (p) => {
    if (!process.stderr.isTTY || Date.now() - last < 250) return;
    last = Date.now();
    process.stderr.write(`\r${p.done}/${p.total} files   `);
  });
  try {
    start();
    await lib.keywords.jobs.whenIdle();
  } finally {
    off();
    if (process.stderr.isTTY && last) process.stderr.write('\n');
  }
  return lib.keywords.jobs.progress();
}

export async function keywordsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    library: { type: 'string' },
    json: { type: 'boolean' },
    mode: { type: 'string' },
    'sidecar-name': { type: 'string' },
    touch: { type: 'boolean' },
  });
  const [action, ...extra] = positionals;
  if (extra.length || (action !== undefined && action !== 'write' && action !== 'remove')) throw new UsageError(`usage:\n${keywordsHelp}`);
  const mode = oneOf(values.mode, MODES, 'mode');
  const sidecarName = oneOf(values['sidecar-name'], NAMINGS, 'sidecar-name');
  if (action !== 'write' && (mode || sidecarName || values.touch)) throw new UsageError('--mode, --sidecar-name and --touch go with `scenery keywords write`');
  const dir = resolve(values.library ?? defaultLibraryDir());
  // Writers only; a read-only look at the setting needs no lock.
  const release = action ? acquireLibraryLock(dir) : null;
  try {
    const lib = await Library.open({ dir, start: false, create: false });
    try {
      if (!action) {
        const s = lib.keywords.settings();
        console.log(values.json ? JSON.stringify(s) : describe(s));
        return 0;
      }
      let p: KeywordProgress;
      if (action === 'write') {
        const current = lib.keywords.settings();
        const next: KeywordSettings = {
          mode: mode ?? (current.mode === 'off' ? 'sidecar' : current.mode),
          sidecarName: sidecarName ?? current.sidecarName,
          keepModifiedTime: values.touch ? false : current.keepModifiedTime,
        };
        if (next.mode === 'embedded') console.error(EMBEDDED_WARNING);
        p = await runAll(lib, () => {
          lib.keywords.setSettings(next);
          // The same setting as before queues nothing by itself: write every photo anyway (files may have changed).
          if (!lib.keywords.jobs.progress().running) lib.keywords.writeAll();
        });
        if (!values.json) console.log(describe(next));
      } else {
        p = await runAll(lib, () => lib.keywords.remove());
      }
      if (values.json) console.log(JSON.stringify({ action, files: p.total, changed: p.written, failed: p.failed, lastError: p.lastError }));
      else {
        console.log(`${action === 'write' ? 'wrote' : 'removed'} keywords: ${p.written} file(s) changed, ${p.total - p.written - p.failed} already right or skipped, ${p.failed} failed`);
        if (p.lastError) console.log(`  last failure: ${p.lastError}`);
      }
      return p.failed ? 1 : 0;
    } finally {
      await lib.close();
    }
  } finally {
    release?.();
  }
}
