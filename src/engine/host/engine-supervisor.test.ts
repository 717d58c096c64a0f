/**
 * The supervisor that keeps the engine process running for the app and
 * `serve`: a killed engine is started again with the same library, event
 * listeners survive the restart, and an engine that keeps dying is given up
 * on (reported) instead of restarted forever.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventName } from '../../shared/contract.js';
import { tempDir, waitFor } from '../../test-support/harness.js';
import { REPO_ROOT } from '../../test-support/shared-data.js';
import { forkEngine } from './engine-client.js';
import type { EngineHostOptions } from './engine-protocol.js';
import { EngineSupervisor } from './engine-supervisor.js';

const ENTRY = join(REPO_ROOT, 'src', 'engine', 'host', 'engine-process.ts');
const spawn = () => forkEngine(ENTRY, ['--import', 'tsx']);

describe('engine supervisor', () => {
  const tmp = tempDir('engine-supervisor');
  afterAll(() => tmp.cleanup());
  const options = (name: string): EngineHostOptions => ({ dir: join(tmp.path, name), modelsDir: join(tmp.path, 'models'), model: null, mode: 'browser', platform: [] });

  it('starts a killed engine again on the same library; listeners keep receiving events', async () => {
    const restarted: number[] = [];
    const s = await EngineSupervisor.start(spawn, options('lib'), null, { restarted: (pid) => restarted.push(pid) });
    const events: EventName[] = [];
    s.onEvent((name) => events.push(name));
    const first = s.pid!;
    process.kill(first, 'SIGKILL');
    // While it restarts, a call is answered (unavailable), never left hanging.
    const during = await s.call('library.status', {});
    expect(during.ok ? 'answered by the new engine' : during.error.code).toMatch(/unavailable|answered/);
    await waitFor('restarted', () => restarted.length === 1, 60_000);
    expect(s.pid).toBe(restarted[0]);
    expect(s.pid).not.toBe(first);
    mkdirSync(join(tmp.path, 'photos'));
    await s.request('folders.add', { path: join(tmp.path, 'photos') });
    await waitFor('an event from the new engine', () => events.includes('folders.changed'));
    await s.close();
  }, 90_000);

  it('gives up after too many crashes within the window, and says why', async () => {
    let gaveUp: Error | null = null;
    const s = await EngineSupervisor.start(spawn, options('crashy'), null, { gaveUp: (e) => (gaveUp = e) }, { maxCrashes: 1, windowMs: 60_000 });
    process.kill(s.pid!, 'SIGKILL');
    await waitFor('restarted once', () => s.restarts === 1 && s.pid !== null, 60_000);
    process.kill(s.pid!, 'SIGKILL');
    await waitFor('gave up', () => gaveUp, 60_000);
    expect(gaveUp!.message).toMatch(/stopped unexpectedly.*2 times/);
    expect(s.restarts).toBe(1);
    expect(await s.call('library.status', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  }, 90_000);

  it('does not restart an engine it was asked to close', async () => {
    const restarted: number[] = [];
    const s = await EngineSupervisor.start(spawn, options('closed'), null, { restarted: (pid) => restarted.push(pid) });
    await s.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(s.pid).toBeNull();
    expect(restarted).toEqual([]);
  }, 60_000);
});
