/** A model's in-use leases: a live process's lease blocks removal; one of a dead process, or from before the last boot (its pid reused since), does not. */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/harness.js';
import { ModelStore } from './model-store.js';

describe('model leases', () => {
  const tmp = tempDir('leases');
  afterAll(() => tmp.cleanup());
  const lease = (store: ModelStore, name: string, pid: number): string => {
    mkdirSync(join(store.dir, '.in-use'), { recursive: true });
    const file = join(store.dir, '.in-use', `${name}.${pid}`);
    writeFileSync(file, '');
    return file;
  };

  it('a lease of a live process counts; a dead one is ignored', () => {
    const store = new ModelStore(join(tmp.path, 'a'));
    lease(store, 'm', process.ppid);
    lease(store, 'm', 2 ** 22 + 12345); // above Linux's pid_max: no such process
    expect(store.usedBy('m')).toEqual([process.ppid]);
  });

  it('a lease written before the last boot is stale even if its pid names a live process now', () => {
    const store = new ModelStore(join(tmp.path, 'b'));
    const file = lease(store, 'm', process.ppid);
    const beforeBoot = (Date.now() - uptime() * 1000 - 3_600_000) / 1000;
    utimesSync(file, beforeBoot, beforeBoot);
    expect(store.usedBy('m')).toEqual([]);
  });
});
