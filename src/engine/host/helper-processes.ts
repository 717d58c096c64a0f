/**
 * The engine's own helper processes (ExifTool, a Perl process per reader) outlive an engine that is killed: ExifTool's
 * `-stay_open` loop reads its argument pipe, sees end-of-file, and polls it again every 10 ms forever (measured: kill -9
 * of the engine left every ExifTool process running). Only a graceful close ends them. So the engine reports their
 * process ids to the shell while it runs, and the shell ends them when the engine stops without closing.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Whether `pid` still runs ExifTool: a pid the engine reported may have ended and been reused by another program. */
export function isExiftoolProcess(pid: number, platform: NodeJS.Platform = process.platform): boolean {
  let command = '';
  if (platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/\) Z /.test(stat)) return false; // ended, not yet reaped
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      return false;
    }
  } else if (platform === 'win32') {
    const r = spawnSync('tasklist', ['/FI', `PID eq ${pid}`, '/FO', 'CSV', '/NH'], { encoding: 'utf8', windowsHide: true });
    command = r.stdout ?? '';
  } else {
    const r = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    command = r.stdout ?? '';
  }
  return /exiftool/i.test(command);
}

/** Ends those of `pids` that are still ExifTool processes; returns the ones it signalled. */
export function endOrphanedHelpers(
  pids: readonly number[],
  isHelper: (pid: number) => boolean = isExiftoolProcess,
  kill: (pid: number, signal: NodeJS.Signals) => void = (pid, signal) => process.kill(pid, signal),
): number[] {
  const ended: number[] = [];
  for (const pid of pids) {
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || !isHelper(pid)) continue;
    try {
      kill(pid, 'SIGTERM');
      ended.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return ended;
}
