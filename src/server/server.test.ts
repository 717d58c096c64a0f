/** The browser server's access rules. */
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../test-support/harness.js';
import { Library } from '../engine/library.js';
import { inProcessEngine } from '../engine/host/engine-handle.js';
import { isLoopback, startServer, weakTokenWarning, type RunningServer } from './server.js';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request exactly as written (fetch would normalise the path and set its own Host/Origin). */
function raw(base: string, path: string, options: http.RequestOptions = {}, body?: string | Buffer): Promise<RawResponse> {
  const b = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: b.hostname, port: b.port, path, agent: false, ...options }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = { 'content-type': 'application/json' };

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
    open = await startServer({ engine: inProcessEngine(lib, { mode: 'browser' }), staticDir });
    guarded = await startServer({ engine: inProcessEngine(lib, { mode: 'browser' }), staticDir, host: '127.0.0.2', token: 'sesame' });
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
    const s = await startServer({ engine: inProcessEngine(lib, { mode: 'browser' }), staticDir, host: '127.0.0.3', token: null });
    // 127.0.0.3 is loopback: no token needed
    expect(s.token).toBeNull();
    await s.close();
    const t = await startServer({ engine: inProcessEngine(lib, { mode: 'browser' }), staticDir, host: '0.0.0.0', port: 0 });
    expect(t.token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    await t.close();
  });

  it('refuses an empty or blank token instead of serving without one', async () => {
    for (const token of ['', '   ', '\t', 'two words', 'new\nline']) {
      await expect(startServer({ engine: inProcessEngine(lib, { mode: 'browser' }), staticDir, host: '0.0.0.0', token }), JSON.stringify(token)).rejects.toThrow(/token/);
    }
  });

  it('warns about a guessable token, not about a generated one', async () => {
    expect(weakTokenWarning('sesame')).toMatch(/6-character token can be guessed/);
    const t = await startServer({ engine: inProcessEngine(lib, { mode: 'browser' }), staticDir, host: '0.0.0.0', port: 0 });
    await t.close();
    expect(weakTokenWarning(t.token!)).toBeNull();
  });

  it('names the cookie for its port, does not put the token in it, and accepts no other port\'s cookie', async () => {
    const port = new URL(guarded.url).port;
    const login = await raw(guarded.url, '/?token=sesame');
    expect(login.status).toBe(302);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    expect(cookie.startsWith(`scenery_session_${port}=`)).toBe(true);
    expect(cookie).not.toContain('sesame');
    expect((await raw(guarded.url, '/', { headers: { cookie } })).status).toBe(200);
    // Another Scenery server with the same token on another port: its cookie is not ours.
    const other = await startServer({ engine: inProcessEngine(lib, { mode: 'browser' }), staticDir, host: '127.0.0.2', token: 'sesame' });
    try {
      const otherCookie = String((await raw(other.url, '/?token=sesame')).headers['set-cookie']).split(';')[0]!;
      expect(otherCookie).not.toBe(cookie);
      expect((await raw(other.url, '/', { headers: { cookie: otherCookie } })).status).toBe(200);
      expect((await raw(guarded.url, '/', { headers: { cookie: otherCookie } })).status).toBe(401);
      expect((await raw(guarded.url, '/', { headers: { cookie: `scenery_session_${new URL(other.url).port}=${cookie.split('=')[1]}` } })).status).toBe(401);
    } finally {
      await other.close();
    }
    // The old, port-less cookie carrying the token itself is not accepted either.
    expect((await raw(guarded.url, '/', { headers: { cookie: 'scenery_token=sesame' } })).status).toBe(401);
  });

  it('after the token login, redirects only to a local path', async () => {
    for (const path of ['/..//evil.example?token=sesame', '//evil.example/?token=sesame', '/.//evil.example?token=sesame', '/\\\\evil.example?token=sesame', '/%2F%2Fevil.example?token=sesame', '/a/..//b?token=sesame']) {
      const r = await raw(guarded.url, path);
      expect(r.status, path).toBe(302);
      const location = r.headers.location!;
      expect(location, path).toMatch(/^\/(?![/\\])/);
      expect(new URL(location, guarded.url).origin, path).toBe(new URL(guarded.url).origin);
    }
    expect((await raw(guarded.url, '/a/b?token=sesame')).headers.location).toBe('/a/b');
  });

  it('answers malformed %-encoding with 400, never 500', async () => {
    expect((await raw(open.url, '/%E0%A4%A')).status).toBe(400);
    expect((await raw(open.url, '/%')).status).toBe(400);
    expect((await raw(open.url, '/api/%E0', { method: 'POST', headers: json }, '{}')).status).toBe(400);
    expect((await raw(guarded.url, '/', { headers: { cookie: `scenery_session_${new URL(guarded.url).port}=%E0` } })).status).toBe(401);
  });

  it('marks every response same-origin only, media above all (no cross-origin <img> probing)', async () => {
    for (const path of ['/media/thumb/1', '/media/image/1', '/', '/index.html']) {
      expect((await raw(open.url, path)).headers['cross-origin-resource-policy'], path).toBe('same-origin');
    }
    expect((await raw(open.url, '/api/library.status', { method: 'POST', headers: json }, '{}')).headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it('refuses cross-origin API calls and media loads even where a browser would not preflight', async () => {
    const host = new URL(open.url).host;
    const status = (path: string, headers: Record<string, string>, method = 'POST') => raw(open.url, path, { method, headers: { ...json, ...headers } }, method === 'POST' ? '{}' : undefined).then((r) => r.status);
    expect(await status('/api/library.status', { origin: 'http://evil.example' })).toBe(403);
    expect(await status('/api/library.status', { origin: `http://localhost:1` })).toBe(403);
    expect(await status('/api/library.status', { origin: 'null', 'sec-fetch-site': 'cross-site' })).toBe(403);
    expect(await status('/api/library.status', { 'sec-fetch-site': 'cross-site' })).toBe(403);
    expect(await status('/api/library.status', { 'sec-fetch-site': 'same-site' })).toBe(403);
    expect(await status('/media/thumb/1', { 'sec-fetch-site': 'cross-site' }, 'GET')).toBe(403);
    expect(await status('/api/events', { origin: 'http://evil.example' }, 'GET')).toBe(403);
    expect(await status('/api/library.status', { 'content-type': 'application/jsonp' })).toBe(415);
    // the page itself, as a browser sends it
    expect(await status('/api/library.status', { origin: `http://${host}`, 'sec-fetch-site': 'same-origin' })).toBe(200);
    // Our own POST under Referrer-Policy: no-referrer carries Origin: null (Fetch spec); Sec-Fetch-Site decides.
    expect(await status('/api/library.status', { origin: 'null', 'sec-fetch-site': 'same-origin' })).toBe(200);
    expect(await status('/media/thumb/1', { 'sec-fetch-site': 'same-origin' }, 'GET')).toBe(404);
  });

  it('refuses an oversized body at once and keeps serving', async () => {
    const big = await raw(open.url, '/api/library.status', { method: 'POST', headers: { ...json, 'content-length': String(50_000_000) } });
    expect(big.status).toBe(413);
    const streamed = await raw(open.url, '/api/library.status', { method: 'POST', headers: json }, Buffer.alloc(2_000_000, 32)).catch((e: Error) => e);
    // The server answers 413 and closes; a client still writing may see the reset instead.
    if (!(streamed instanceof Error)) expect(streamed.status).toBe(413);
    expect((await raw(open.url, '/api/library.status', { method: 'POST', headers: json }, '{}')).status).toBe(200);
   }, 10_000);

  it('drops a stalled event stream instead of buffering for it without bound, and caps streams', async () => {
    const s = await startServer({ engine: inProcessEngine(lib, { mode: 'browser' }), staticDir });
    const sockets: net.Socket[] = [];
    const connections = () => new Promise<number>((r) => s.server.getConnections((_e, n) => r(n)));
    try {
      const port = Number(new URL(s.url).port);
      const stalled = net.connect(port, '127.0.0.1');
      sockets.push(stalled);
      stalled.write('GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      stalled.pause();
      await waitFor('stream open', async () => (await connections()) === 1, 5_000);
      const frame = { done: 0, total: 1, note: 'x'.repeat(10_000) };
      for (let i = 0; i < 2_000; i++) lib.events.emit('indexing.progress', frame as never);
      await waitFor('stalled stream dropped', async () => (await connections()) === 0, 5_000);
      // A flood of streams: the surplus gets 503, the rest stay.
      const statuses = await Promise.all(
        Array.from({ length: 40 }, () =>
          new Promise<number>((resolve, reject) => {
            const req = http.get(`${s.url}/api/events`, { agent: false }, (res) => {
              resolve(res.statusCode ?? 0);
              res.resume();
            });
            req.on('error', reject);
          }),
        ),
      );
      expect(statuses.filter((x) => x === 503).length).toBeGreaterThan(0);
      expect(statuses.filter((x) => x === 200).length).toBeGreaterThanOrEqual(16);
    } finally {
      for (const so of sockets) so.destroy();
      await s.close();
    }
  });

  it('closes a connection that never finishes its headers (slowloris)', async () => {
    const s = await startServer({ engine: inProcessEngine(lib, { mode: 'browser' }), staticDir, headersTimeoutMs: 500 });
    try {
      const socket = net.connect(Number(new URL(s.url).port), '127.0.0.1');
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      const t0 = Date.now();
      socket.resume();
      const closedAfter = await new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - t0)));
      expect(closedAfter).toBeLessThan(5_000);
    } finally {
      await s.close();
    }
  }, 10_000);
});
