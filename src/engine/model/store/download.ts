/**
 * Resumable HTTP(S) download to `dest`: data goes to `dest.partial`, a later
 * call continues it with a Range request, and the file is renamed into place
 * only when complete. The SHA-256 is computed over the whole file.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, renameSync, statSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import http from 'node:http';
import https from 'node:https';

export interface DownloadProgress {
  receivedBytes: number;
  totalBytes: number | null;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Connection timeout; an offline machine should fail fast. */
  connectTimeoutMs?: number;
  /** Bytes that must stay free on the destination disk beyond the download itself. */
  reserveBytes?: number;
  expectedBytes?: number;
}

export class DownloadError extends Error {
  constructor(message: string, readonly offline = false) {
    super(message);
    this.name = 'DownloadError';
  }
}

function get(url: string, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.get(url, { headers, signal, timeout: timeoutMs }, resolve);
    req.on('timeout', () => req.destroy(new DownloadError(`no answer from ${new URL(url).host} within ${timeoutMs / 1000} s`, true)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      const offline = ['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNRESET'].includes(e.code ?? '');
      reject(e instanceof DownloadError ? e : new DownloadError(`cannot reach ${new URL(url).host}: ${e.code ?? e.message}`, offline));
    });
  });
}

export function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function download(url: string, dest: string, options: DownloadOptions = {}): Promise<{ sha256: string; bytes: number }> {
  const partial = `${dest}.partial`;
  let have = existsSync(partial) ? statSync(partial).size : 0;
  // Reach the server before judging the disk: an offline machine must hear
  // "offline, import a file instead", whatever its free space; and the
  // server's Content-Length is a better measure of what is needed.
  let url2 = url;
  let res: http.IncomingMessage | null = null;
  for (let redirects = 0; redirects < 5; redirects++) {
    res = await get(url2, have > 0 ? { Range: `bytes=${have}-` } : {}, options.connectTimeoutMs ?? 15_000, options.signal);
    if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
      url2 = new URL(res.headers.location, url2).toString();
      res.resume();
      continue;
    }
    break;
  }
  if (!res) throw new DownloadError('too many redirects');
  const announced = Number(res.headers['content-length'] ?? NaN);
  const receiving = res.statusCode === 200 || res.statusCode === 206;
  const remaining = receiving && Number.isFinite(announced) ? announced : Math.max(0, (options.expectedBytes ?? 0) - have);
  const need = remaining + (options.reserveBytes ?? 0);
  const free = freeBytes(dirname(dest));
  if (receiving && free !== null && need > free) {
    res.destroy();
    throw new DownloadError(`not enough free space: ${Math.ceil(need / 1e6)} MB needed in ${dirname(dest)}, ${Math.floor(free / 1e6)} MB free`);
  }
  if (res.statusCode === 416) {
    res.resume();
    // The partial file is already complete.
  } else if (res.statusCode === 200 || res.statusCode === 206) {
    if (res.statusCode === 200) have = 0; // server ignored Range: start over
    const len = Number(res.headers['content-length'] ?? NaN);
    const total = Number.isFinite(len) ? have + len : null;
    const out = createWriteStream(partial, { flags: have > 0 ? 'a' : 'w' });
    let received = have;
    let lastReport = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        res!.on('data', (c: Buffer) => {
          received += c.length;
          const now = Date.now();
          if (now - lastReport > 200) {
            lastReport = now;
            options.onProgress?.({ receivedBytes: received, totalBytes: total });
          }
        });
        res!.on('error', reject);
        res!.on('aborted', () => reject(new DownloadError('the connection was closed before the download finished; run it again to resume')));
        out.on('error', reject);
        out.on('finish', resolve);
        res!.pipe(out);
      });
    } catch (e) {
      out.destroy();
      throw e;
    }
    options.onProgress?.({ receivedBytes: received, totalBytes: total });
    if (total !== null && received !== total) throw new DownloadError(`download stopped at ${received} of ${total} bytes; run it again to resume`);
  } else {
    res.resume();
    throw new DownloadError(`${url2} answered HTTP ${res.statusCode}`);
  }
  const bytes = statSync(partial).size;
  const sha256 = await sha256File(partial);
  renameSync(partial, dest);
  return { sha256, bytes };
}

export { sha256File };
