/**
 * The engine's one ExifTool process pool (exiftool-vendored). ExifTool is a
 * Perl program (a bundled .exe on Windows) kept running between requests,
 * so it is started lazily by the first caller and must be ended when the
 * library closes, or its child processes would keep Node alive. Every
 * metadata reader and every keyword writer shares this pool so that the
 * number of ExifTool processes stays bounded by one setting.
 */
import { ExifTool } from 'exiftool-vendored';
import { availableParallelism } from 'node:os';

let pool: ExifTool | null = null;

export function exiftool(): ExifTool {
  if (!pool) {
    pool = new ExifTool({
      // Reads are I/O + Perl; more than the core count only adds memory (~25 MB each).
      maxProcs: Math.max(1, Math.min(4, availableParallelism())),
      // A hostile or truncated file must not hang a read forever.
      taskTimeoutMillis: 30_000,
    });
  }
  return pool;
}

/** Ends the pool's processes; the next `exiftool()` starts a new pool. Safe to call when none is running. */
export async function endExiftool(): Promise<void> {
  const p = pool;
  pool = null;
  if (p) await p.end();
}
