import { describe, expect, it } from 'vitest';
import { Latest } from './latest';

/** A request whose answer (or failure) is released by hand, to make answers arrive out of order. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('Latest', () => {
  it('applies only the newest of two overlapping requests when they answer out of order', async () => {
    const latest = new Latest();
    const shown: string[] = [];
    const first = deferred<string>();
    const second = deferred<string>();
    const a = latest.run(() => first.promise, (v) => shown.push(v));
    const b = latest.run(() => second.promise, (v) => shown.push(v));
    second.resolve('photo 2');
    await b;
    first.resolve('photo 1'); // the late answer for the photo left behind
    expect(await a).toBe(false);
    expect(await b).toBe(true);
    expect(shown).toEqual(['photo 2']);
  });

  it('applies answers that arrive in order, each while it is the newest', async () => {
    const latest = new Latest();
    const shown: number[] = [];
    await latest.run(async () => 1, (v) => shown.push(v));
    await latest.run(async () => 2, (v) => shown.push(v));
    expect(shown).toEqual([1, 2]);
  });

  it('drops an answer that arrives after invalidate (the view was left)', async () => {
    const latest = new Latest();
    const shown: string[] = [];
    const req = deferred<string>();
    const run = latest.run(() => req.promise, (v) => shown.push(v));
    latest.invalidate();
    req.resolve('similar photos of the photo left');
    expect(await run).toBe(false);
    expect(shown).toEqual([]);
  });

  it('rethrows the failure of the newest request and drops that of a stale one', async () => {
    const latest = new Latest();
    const old = deferred<string>();
    const stale = latest.run(() => old.promise, () => {});
    const current = latest.run(() => Promise.reject(new Error('not found')), () => {});
    old.reject(new Error('late failure'));
    await expect(stale).resolves.toBe(false);
    await expect(current).rejects.toThrow('not found');
  });

  it('begin(): a check that turns false once a newer request begins', () => {
    const latest = new Latest();
    const a = latest.begin();
    expect(a()).toBe(true);
    const b = latest.begin();
    expect([a(), b()]).toEqual([false, true]);
  });
});
