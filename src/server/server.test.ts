/** The browser server's access rules. */
import http from 'node:http';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir } from '../test-support/harness.js';
import { Library } from '../engine/library.js';
import { isLoopback, startServer, type RunningServer } from './server.js';

describe('scenery serve', () => {
  const tmp = tempDir('server');
  const staticDir = join(tmp.path, 'static');
  let lib: Library;
  let open: RunningServer;
  let guarded: RunningServer;
  beforeAll(async () => {
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Scenery</title>');
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier: new FakeClassifier() } });
    open = await startServer({ library: lib, staticDir });
    guarded = await startServer({ library: lib, staticDir, host: '127.0.0.2', token: 'sesame' });
  });
  afterAll(async () => {
    await open.close();
    await guarded.close();
    await lib.close();
    tmp.cleanup();
  });

  const call = (base: string, command: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/api/${command}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('knows loopback', () => {
    expect(['127.0.0.1', '127.8.0.1', 'localhost', '::1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '192.168.1.2', '::'].some(isLoopback)).toBe(false);
  });

  it('answers commands with envelopes and bad input with typed errors', async () => {
    const ok = await (await call(open.url, 'library.status', {})).json();
    expect(ok).toMatchObject({ ok: true, value: { photoCount: 0 } });
    const bad = await call(open.url, 'photos.get', { id: 'x' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    const unknown = await call(open.url, 'fs.readFile', {});
    expect(await unknown.json()).toMatchObject({ ok: false, error: { code: 'unknown_command' } });
    const notJson = await fetch(`${open.url}/api/library.status`, { method: 'POST', body: '{}', headers: { 'content-type': 'text/plain' } });
    expect(notJson.status).toBe(415);
  });

  it('sends a strict CSP and refuses foreign Host headers on loopback (DNS rebinding)', async () => {
    const res = await fetch(open.url);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    // fetch may not set Host; a raw request can, as a rebinding page's would arrive.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${open.url}/api/library.status`, { method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(403);
  });

  it('without the token, every request gets 401, static files included', async () => {
    expect(guarded.token).toBe('sesame');
    expect((await fetch(guarded.url)).status).toBe(401);
    expect((await fetch(`${guarded.url}/index.html`)).status).toBe(401);
    expect((await call(guarded.url, 'library.status', {})).status).toBe(401);
    expect((await fetch(`${guarded.url}/media/thumb/1`)).status).toBe(401);
    expect((await fetch(`${guarded.url}/api/events`)).status).toBe(401);
    expect((await call(guarded.url, 'library.status', {}, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await call(guarded.url, 'library.status', {}, { authorization: 'Bearer sesame' })).status).toBe(200);
    const login = await fetch(`${guarded.url}/?token=sesame`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect((await fetch(guarded.url, { headers: { cookie: cookie.split(';')[0]! } })).status).toBe(200);
  });

  it('generates a token when binding beyond loopback without one', async () => {
    const s = await startServer({ library: lib, staticDir, host: '127.0.0.3', token: null });
    // 127.0.0.3 is loopback: no token needed
    expect(s.token).toBeNull();
    await s.close();
    const t = await startServer({ library: lib, staticDir, host: '0.0.0.0', port: 0 });
    expect(t.token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    await t.close();
  });
});
