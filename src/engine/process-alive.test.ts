import { uptime } from 'node:os';
import { describe, expect, it } from 'vitest';
import { processAlive } from './process-alive.js';

describe('processAlive', () => {
  const beforeBoot = Date.now() - uptime() * 1000 - 3_600_000;
  it('is true for a running process (recorded now or with no time known)', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(process.ppid, Date.now())).toBe(true);
    expect(processAlive(process.ppid, Number.NaN)).toBe(true);
  });
  it('is false for no such process', () => {
    expect(processAlive(2 ** 22 + 12345)).toBe(false);
  });
  it('is false for a record made before the last boot, whatever its pid names now', () => {
    expect(processAlive(process.ppid, beforeBoot)).toBe(false);
  });
});
