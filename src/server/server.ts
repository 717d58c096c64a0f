/**
 * `scenery serve`: the engine, headless, behind HTTP. The same renderer the
 * desktop app uses is served as static files; commands are POST
 * /api/<command> (JSON envelopes), events are Server-Sent Events on
 * /api/events, photos are /media/(thumb|image)/<id>.
 *
 * Loopback by default. On any other address a token is required: every
 * request without it, static files included, gets 401. A browser presents
 * it once as ?token=…, which sets an HttpOnly cookie.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createHandlers, dispatch, type HandlerTable } from '../engine/api/handlers.js';
import type { Library } from '../engine/library.js';
import { MediaError, parseMediaPath, resolveMedia } from '../engine/media/media-files.js';
import { eventNames } from '../shared/contract.js';
import { CSP } from '../shared/csp.js';


const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export interface ServeOptions {
  library: Library;
  host?: string;
  port?: number;
  /** Required (generated when absent) unless the host is loopback. */
  token?: string | null;
  staticDir: string;
}

export interface RunningServer {
  url: string;
  token: string | null;
  server: http.Server;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: http.IncomingMessage): string | null {
  const m = /(?:^|;\s*)scenery_token=([^;]+)/.exec(req.headers.cookie ?? '');
  return m ? decodeURIComponent(m[1]!) : null;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const loopback = isLoopback(host);
  const token = options.token ?? (loopback ? null : randomBytes(24).toString('base64url'));
  const lib = options.library;
  const table: HandlerTable = createHandlers(lib, { mode: 'browser' });
  const staticRoot = resolve(options.staticDir);
  const clients = new Set<http.ServerResponse>();

  const unsubscribe = lib.events.onAny((name, payload) => {
    const frame = `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const c of clients) c.write(frame);
  });

  const send = (res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      res.setHeader('Content-Security-Policy', CSP);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('X-Frame-Options', 'DENY');
      const url = new URL(req.url ?? '/', 'http://local');
      // DNS rebinding: on loopback, only loopback host names are answered.
      const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '');
      if (loopback && !isLoopback(hostHeader)) return send(res, 403, 'forbidden host');

      if (token) {
        const given = url.searchParams.get('token') ?? (req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7) : null) ?? cookieToken(req);
        if (!given || !safeEqual(given, token)) return send(res, 401, 'Scenery: a token is required. Open the URL printed by `scenery serve`.');
        if (url.searchParams.has('token') && req.method === 'GET' && !url.pathname.startsWith('/api/') && !url.pathname.startsWith('/media/')) {
          res.writeHead(302, { 'Set-Cookie': `scenery_token=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`, Location: url.pathname });
          return res.end();
        }
      }

      if (url.pathname === '/api/events' && req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
        res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ events: eventNames })}\n\n`);
        clients.add(res);
        const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
        req.on('close', () => {
          clearInterval(ping);
          clients.delete(res);
        });
        return;
      }

      if (url.pathname.startsWith('/api/')) {
        if (req.method !== 'POST') return send(res, 405, 'POST only');
        // A JSON body needs a CORS preflight from other origins, which this server never grants.
        if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return send(res, 415, 'application/json only');
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const c of req) {
          size += (c as Buffer).length;
          if (size > 1_000_000) return send(res, 413, 'request too large');
          chunks.push(c as Buffer);
        }
        let payload: unknown = {};
        try {
          payload = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
        } catch {
          return send(res, 400, JSON.stringify({ ok: false, error: { code: 'invalid_request', message: 'the body is not valid JSON' } }), 'application/json');
        }
        const envelope = await dispatch(table, decodeURIComponent(url.pathname.slice(5)), payload);
        const status = envelope.ok ? 200 : envelope.error.code === 'internal' ? 500 : envelope.error.code === 'not_found' ? 404 : 400;
        return send(res, status, JSON.stringify(envelope), 'application/json');
      }

      if (url.pathname.startsWith('/media/')) {
        try {
          const { kind, id } = parseMediaPath(url.pathname.slice(7));
          const file = await resolveMedia(lib, kind, id);
          res.writeHead(200, { 'Content-Type': file.contentType, 'Cache-Control': 'private, max-age=31536000, immutable' });
          createReadStream(file.path).on('error', () => res.destroy()).pipe(res);
        } catch (e) {
          send(res, e instanceof MediaError ? e.status : 500, (e as Error).message);
        }
        return;
      }

      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
      const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
      let file = join(staticRoot, rel || 'index.html');
      if (!file.startsWith(staticRoot + sep) && file !== staticRoot) return send(res, 403, 'forbidden');
      if (!existsSync(file) || statSync(file).isDirectory()) file = join(staticRoot, 'index.html');
      if (!existsSync(file)) return send(res, 500, 'the UI is not built: run `npm run build`');
      res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
      createReadStream(file).pipe(res);
    })().catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, (e as Error).message);
      else res.destroy();
    });
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolvePromise());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}`,
    token,
    server,
    close: async () => {
      unsubscribe();
      for (const c of clients) c.end();
      const closed = new Promise<void>((r) => server.close(() => r()));
      // Idle keep-alive sockets and reconnecting event streams would otherwise hold close() open.
      server.closeAllConnections();
      await closed;
    },
  };
}
