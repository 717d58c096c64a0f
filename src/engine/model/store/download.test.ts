/**
 * The order of a download's checks: reachability first, then the disk. CI
 * found the offline message replaced by "not enough free space" on a machine
 * whose temp disk was nearly full, although the machine was simply offline.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { download, DownloadError } from './download.js';

const tmp = mkdtempSync(join(tmpdir(), 'scenery-download-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function freeHere(): number {
  const s = statfsSync(tmp);
  return s.bavail * s.bsize;
}

describe('download', () => {
  it('says offline, not "no space", when the server cannot be reached, however large the file', async () => {
    const err = await download('http://127.0.0.1:9/model.caffemodel', join(tmp, 'a.caffemodel'), {
      expectedBytes: freeHere() * 4,
      reserveBytes: freeHere(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as DownloadError).offline).toBe(true);
    expect(String(err)).toMatch(/cannot reach 127\.0\.0\.1:9/);
  });

  it('refuses before writing when the announced size does not fit, and names the space needed', async () => {
    const announced = freeHere() * 2;
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(announced) });
      res.write(Buffer.alloc(1024));
      // never finishes: the client must hang up by itself
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      const err = await download(`http://127.0.0.1:${port}/m.caffemodel`, join(tmp, 'b.caffemodel'), { expectedBytes: 10 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DownloadError);
      expect(String(err)).toMatch(new RegExp(`not enough free space: ${Math.ceil(announced / 1e6)} MB needed`));
      expect(readdirSync(tmp).filter((f) => f.startsWith('b.'))).toEqual([]);
      expect(existsSync(join(tmp, 'b.caffemodel.partial'))).toBe(false);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
