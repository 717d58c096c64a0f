/** Ending the ExifTool processes a killed engine leaves behind, and only those (helper-processes.ts). */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test-support/harness.js';
import { endOrphanedHelpers, isExiftoolProcess } from './helper-processes.js';

describe('endOrphanedHelpers', () => {
  it('signals the reported processes that still run ExifTool, and nothing else', () => {
    const signalled: [number, string][] = [];
    const helpers = new Set([4242, 4343]);
    const ended = endOrphanedHelpers(
      [4242, 1, 0, process.pid, 5555, 4343, 1.5],
      (pid) => helpers.has(pid),
      (pid, signal) => {
        if (pid === 4343) throw Object.assign(new Error('gone'), { code: 'ESRCH' });
        signalled.push([pid, signal]);
      },
    );
    expect(signalled).toEqual([[4242, 'SIGTERM']]);
    expect(ended).toEqual([4242]);
  });
});

describe.skipIf(process.platform !== 'linux' && process.platform !== 'darwin')('isExiftoolProcess', () => {
  it('tells a process running ExifTool from another one, and from one that has ended', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    // Named as the vendored ExifTool's command line is (perl …/exiftool -stay_open True -@ -).
    const lookalike = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', '/opt/bin/exiftool', '-stay_open', 'True']);
    try {
      await waitFor('both started', () => !!other.pid && !!lookalike.pid);
      expect(isExiftoolProcess(other.pid!)).toBe(false);
      expect(isExiftoolProcess(lookalike.pid!)).toBe(true);
      expect(endOrphanedHelpers([other.pid!, lookalike.pid!])).toEqual([lookalike.pid]);
      await new Promise((r) => lookalike.once('exit', r));
      expect(isExiftoolProcess(lookalike.pid!)).toBe(false);
      expect(other.exitCode).toBeNull();
    } finally {
      other.kill();
      lookalike.kill();
    }
  });
});
