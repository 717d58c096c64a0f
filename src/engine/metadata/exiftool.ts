/**
 * The engine's one ExifTool process pool (exiftool-vendored). ExifTool is a
 * Perl program (a bundled .exe on Windows) kept running between requests,
 * so it is started lazily by the first caller and must be ended when the
 * library closes, or its child processes would keep Node alive. Every
 * metadata reader and every keyword writer shares this pool so that the
 * number of ExifTool processes stays bounded by one setting.
 *
 * In an installer the vendored ExifTool lies inside app.asar, where neither
 * Perl nor Windows can run it: electron-builder unpacks it
 * (build/electron-builder.yml asarUnpack), and `vendoredExiftoolPath` points
 * the pool at that unpacked copy explicitly instead of relying on the
 * library's own guess.
 */
import { ExifTool } from 'exiftool-vendored';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { sep } from 'node:path';

let pool: ExifTool | null = null;
let holders = 0;

/** A path inside app.asar as its unpacked copy (app.asar.unpacked), unchanged outside an asar. */
export function asarUnpackedPath(path: string, separator: string = sep): string {
  return path
    .split(separator)
    .map((part) => (part === 'app.asar' ? 'app.asar.unpacked' : part))
    .join(separator);
}

/**
 * The vendored ExifTool for this platform (exiftool-vendored.pl's Perl script, or exiftool-vendored.exe on
 * Windows), from app.asar.unpacked in a packaged app; null when the package is not installed (then
 * exiftool-vendored falls back to an `exiftool` on the PATH). `from`: the module the package is looked up from.
 */
export function vendoredExiftoolPath(platform: NodeJS.Platform = process.platform, from: string = import.meta.url): string | null {
  const pkg = platform === 'win32' ? 'exiftool-vendored.exe' : 'exiftool-vendored.pl';
  let bin: string;
  try {
    // Both packages export the path of their executable.
    const mod = createRequire(from)(pkg) as string | { default: string };
    bin = typeof mod === 'string' ? mod : mod.default;
  } catch {
    return null;
  }
  const unpacked = asarUnpackedPath(bin);
  // Check the unpacked copy first: Electron's fs reports files inside an asar as existing.
  if (unpacked !== bin && existsSync(unpacked)) return unpacked;
  return existsSync(bin) ? bin : null;
}

export function exiftool(): ExifTool {
  if (!pool) {
    const path = vendoredExiftoolPath();
    pool = new ExifTool({
      // Reads are I/O + Perl; more than the core count only adds memory (~25 MB each).
      maxProcs: Math.max(1, Math.min(4, availableParallelism())),
      // A hostile or truncated file must not hang a read forever.
      taskTimeoutMillis: 30_000,
      ...(path ? { exiftoolPath: path } : {}),
    });
  }
  return pool;
}

/** The process ids of the running ExifTool processes (tests: none remain after the library closes). */
export function exiftoolPids(): number[] {
  return pool && !pool.ended ? pool.pids : [];
}

/**
 * Marks the pool as in use by one owner (an open library); the release ends the pool's processes once no owner
 * is left, so a second library open in the same process keeps its reads.
 */
export function holdExiftool(): () => Promise<void> {
  holders++;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    holders--;
    if (holders === 0) await endExiftool();
  };
}

/** Ends the pool's processes; the next `exiftool()` starts a new pool. Safe to call when none is running. */
export async function endExiftool(): Promise<void> {
  const p = pool;
  pool = null;
  if (p) await p.end();
}
