/**
 * `scenery serve`: the engine, headless, behind HTTP. The same renderer the
 * desktop app uses is served as static files; commands are POST
 * /api/<command> (JSON envelopes), events are Server-Sent Events on
 * /api/events, photos are /media/(thumb|image)/<id>.
 *
 * Loopback by default. On any other address a token is required: every
 * request without it, static files included, gets 401. A browser presents
 * it once as ?token=…, which sets an HttpOnly cookie. Browsers send a cookie
 * to every port of a host, so the cookie is named for this port and holds a
 * value derived from the token and the port, never the token itself.
 * The threat model and every defence here are in SECURITY.md.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { EngineHandle } from '../engine/host/engine-handle.js';
import { attachmentHeader, MediaError, parseMediaPath } from '../engine/media/media-files.js';
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
  /** The engine it serves: `scenery serve` runs it in its own process, tests on their own thread. */
  engine: EngineHandle;
  host?: string;
  port?: number;
  /** Required (generated when absent) unless the host is loopback. Never empty: see checkToken. */
  token?: string | null;
  staticDir: string;
  /** How long a client may take to send its request headers (slowloris); default 10 s. */
  headersTimeoutMs?: number;
}

/** API bodies are small JSON commands. */
const MAX_BODY = 1_000_000;
/** Event streams open at once (a tab each); more get 503. */
const MAX_EVENT_STREAMS = 32;
/** Bytes queued for a stream whose reader has stopped reading; beyond it the stream is dropped (EventSource reconnects). */
const MAX_EVENT_BACKLOG = 1_000_000;

/**
 * A token must be something a person can type into a URL and that actually
 * guards: an empty or blank one would silently turn authentication off.
 */
export function checkToken(token: string): string {
  if (!/\S/.test(token)) throw new Error('the token is empty: give a real --token or leave it out to have one generated');
  if (!/^[\x21-\x7e]+$/.test(token)) throw new Error('the token may hold only printable ASCII characters without spaces');
  return token;
}

/** A token someone could guess: worth saying so when the server is reachable from the network. */
export function weakTokenWarning(token: string): string | null {
  return token.length < 16 ? `warning: a ${token.length}-character token can be guessed by anyone on the network; leave --token out to have a strong one generated` : null;
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

/** The cookie is named for the port (cookies ignore ports) and carries a per-port proof, not the token. */
function sessionCookie(token: string, port: number): { name: string; value: string } {
  return { name: `scenery_session_${port}`, value: createHmac('sha256', token).update(`scenery session cookie for port ${port}`).digest('base64url') };
}

function cookieValue(req: http.IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function decoded(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** Where the token login sends the browser: a path on this server, never `//elsewhere`. */
export function localRedirect(pathname: string): string {
  const segments = pathname.split(/[/\\]+/).filter((x) => x && x !== '.' && x !== '..');
  return `/${segments.join('/')}`;
}

/**
 * Commands, events and media answer only this server's own pages. Browsers
 * already preflight JSON POSTs and CORP blocks foreign <img> reads; this
 * refuses the request outright, before any work.
 */
function crossOrigin(req: http.IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  // "null" decides nothing: the Fetch spec sends it for our own POSTs under Referrer-Policy: no-referrer.
  const origin = req.headers.origin;
  return origin !== undefined && origin !== 'null' && origin !== `http://${req.headers.host ?? ''}`;
}

function isJson(req: http.IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const loopback = isLoopback(host);
  const token = options.token != null ? checkToken(options.token) : loopback ? null : randomBytes(24).toString('base64url');
  const engine = options.engine;
  const staticRoot = resolve(options.staticDir);
  const clients = new Set<http.ServerResponse>();

  const unsubscribe = engine.onEvent((name, payload) => {
    const frame = `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const c of clients) {
      // A reader that stopped reading would otherwise make us buffer every event for it, without bound.
      if (c.writableLength > MAX_EVENT_BACKLOG) {
        clients.delete(c);
        c.destroy();
      } else c.write(frame);
    }
  });

  const send = (res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  };

  let cookie: { name: string; value: string } | null = null;
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const server = http.createServer({ headersTimeout, requestTimeout: 60_000, connectionsCheckingInterval: Math.min(1_000, headersTimeout) }, (req, res) => {
    void (async () => {
      res.setHeader('Content-Security-Policy', CSP);
      // Nothing here is for other origins to embed: a foreign page's <img> cannot even learn which photo ids exist.
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('X-Frame-Options', 'DENY');
      const url = new URL(req.url ?? '/', 'http://local');
      // DNS rebinding: on loopback, only loopback host names are answered.
      const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '');
      if (loopback && !isLoopback(hostHeader)) return send(res, 403, 'forbidden host');

      if (token) {
        cookie ??= sessionCookie(token, (server.address() as AddressInfo).port);
        const given = url.searchParams.get('token') ?? (req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7) : null);
        const session = cookieValue(req, cookie.name);
        const ok = given !== null ? safeEqual(given, token) : session !== null && safeEqual(session, cookie.value);
        if (!ok) return send(res, 401, 'Scenery: a token is required. Open the URL printed by `scenery serve`.');
        if (url.searchParams.has('token') && req.method === 'GET' && !url.pathname.startsWith('/api/') && !url.pathname.startsWith('/media/')) {
          res.writeHead(302, { 'Set-Cookie': `${cookie.name}=${cookie.value}; HttpOnly; SameSite=Strict; Path=/`, Location: localRedirect(url.pathname), 'Cache-Control': 'no-store' });
          return res.end();
        }
      }

      const path = decoded(url.pathname);
      if (path === null || path.includes('\0')) return send(res, 400, 'malformed path');
      const guarded = url.pathname.startsWith('/api/') || url.pathname.startsWith('/media/');
      if (guarded && crossOrigin(req)) return send(res, 403, 'cross-origin request refused');

      if (url.pathname === '/api/events' && req.method === 'GET') {
        if (clients.size >= MAX_EVENT_STREAMS) return send(res, 503, 'too many open event streams');
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
        if (!isJson(req)) return send(res, 415, 'application/json only');
        const tooLarge = (): void => {
          // Answer, then close: reading on would mean accepting the rest of the oversized body.
          res.setHeader('Connection', 'close');
          send(res, 413, 'request too large');
        };
        if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) return tooLarge();
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const c of req) {
          size += (c as Buffer).length;
          if (size > MAX_BODY) return tooLarge();
          chunks.push(c as Buffer);
        }
        let payload: unknown = {};
        try {
          payload = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
        } catch {
          return send(res, 400, JSON.stringify({ ok: false, error: { code: 'invalid_request', message: 'the body is not valid JSON' } }), 'application/json');
        }
        const envelope = await engine.call(path.slice(5), payload);
        const status = envelope.ok ? 200 : envelope.error.code === 'internal' ? 500 : envelope.error.code === 'not_found' ? 404 : envelope.error.code === 'unavailable' ? 503 : 400;
        return send(res, status, JSON.stringify(envelope), 'application/json');
      }

      if (url.pathname.startsWith('/media/')) {
        try {
          const { kind, id } = parseMediaPath(url.pathname.slice(7));
          const file = await engine.resolveMedia(kind, id);
          res.writeHead(200, {
            'Content-Type': file.contentType,
            'Cache-Control': 'private, max-age=31536000, immutable',
            ...(file.download ? { 'Content-Disposition': attachmentHeader(file.download) } : {}),
          });
          createReadStream(file.path).on('error', () => res.destroy()).pipe(res);
        } catch (e) {
          send(res, e instanceof MediaError ? e.status : 500, (e as Error).message);
        }
        return;
      }

      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
      const rel = normalize(path).replace(/^([/\\])+/, '');
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
