/**
 * Whether a process recorded in a file (the library's writer lock, a model's in-use lease, a staging folder)
 * still runs. A pid alone is not enough: after a restart the same number may name an unrelated process, so a
 * record made before the last boot is stale whatever its pid names now (a minute's margin for clock rounding).
 */
import { uptime } from 'node:os';

/** `startedAt`: when the record was made (ms since the epoch), if known. */
export function processAlive(pid: number, startedAt?: number): boolean {
  const bootedAt = Date.now() - uptime() * 1000;
  if (startedAt !== undefined && Number.isFinite(startedAt) && startedAt < bootedAt - 60_000) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
