import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { hasShared, shared, SQUEEZENET } from '../../../test-support/shared-data.js';
import { download } from './download.js';
import { ModelStore } from './model-store.js';

const tmp = mkdtempSync(join(tmpdir(), 'scenery-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A local file server with Range support that can cut a response short. */
async function fileServer(path: string, cutAfter: number | null): Promise<{ url: string; close(): Promise<void>; requests: string[] }> {
  const size = statSync(path).size;
  const requests: string[] = [];
  let cut = cutAfter;
  const server = http.createServer((req, res) => {
    requests.push(req.headers.range ?? 'full');
    const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    res.writeHead(m ? 206 : 200, { 'Content-Length': size - start, ...(m ? { 'Content-Range': `bytes ${start}-${size - 1}/${size}` } : {}) });
    if (cut !== null) {
      const end = cut;
      cut = null;
      createReadStream(path, { start, end: end - 1 }).on('end', () => res.destroy()).pipe(res, { end: false });
      return;
    }
    createReadStream(path, { start }).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/vgg16_places365.caffemodel`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

describe.skipIf(!hasShared)('model store', () => {
  it('resumes an interrupted download with a Range request and records the sha256', async () => {
    const src = shared('reference', 'tiny', 'model.caffemodel');
    const srv = await fileServer(src, 1_000_000);
    const dest = join(tmp, 'dl.caffemodel');
    await expect(download(srv.url, dest)).rejects.toThrow(/resume|closed|aborted|stopped/i);
    const second = await download(srv.url, dest);
    await srv.close();
    // The second request continues from what reached the disk (at most the 1,000,000 bytes sent).
    expect(srv.requests[0]).toBe('full');
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(srv.requests[1] ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(1_000_000);
    expect(srv.requests.length).toBe(2);
    expect(readFileSync(dest).equals(readFileSync(src))).toBe(true);
    // The digest covers the whole file, the bytes of both requests, not only the resumed part.
    expect(second.sha256).toBe(createHash('sha256').update(readFileSync(src)).digest('hex'));
  });

  it('fetch fails fast when offline and says how to import a file', async () => {
    const store = new ModelStore(join(tmp, 'models-offline'));
    const t0 = Date.now();
    await expect(store.fetch('vgg16-places365', { url: 'http://127.0.0.1:9/vgg16_places365.caffemodel' })).rejects.toThrow(/scenery model import/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('fetch refuses a download that is not the published model', async () => {
    const srv = await fileServer(shared('reference', 'micro', 'model.caffemodel'), null);
    const store = new ModelStore(join(tmp, 'models-wrong'));
    await expect(store.fetch('vgg16-places365', { url: srv.url })).rejects.toThrow(/135,755,949/);
    await srv.close();
    expect(store.list()).toEqual([]);
  });

  it('imports a contract .onnx and resolves it by name; with none installed the error says what to do', async () => {
    const store = new ModelStore(join(tmp, 'models'));
    expect(() => store.resolve(null)).toThrow(/scenery model fetch vgg16-places365/);
    const m = await store.import(SQUEEZENET, { name: 'custom-squeezenet-test' });
    expect(m.name).toBe('custom-squeezenet-test');
    expect(m.sha256).toBe('37272913202197f6680f0c10a8ac030d2cbce28f2b907a222721201c0c400b20');
    expect(store.list().map((x) => x.name)).toEqual(['custom-squeezenet-test']);
    expect(store.resolve('custom-squeezenet-test').license).toMatch(/test use only/);

    // A file that is not a model is refused with what is wrong, and installs nothing.
    const notAModel = join(tmp, 'not-a-model.onnx');
    writeFileSync(notAModel, 'hello');
    const before = readdirSync(join(tmp, 'models')).sort();
    await expect(store.import(notAModel)).rejects.toThrow(/not an ONNX model file: .*not-a-model\.onnx/);
    await expect(store.import(notAModel, { name: 'custom-not-a-model' })).rejects.toThrow(/not an ONNX model file: .*not-a-model\.onnx/);
    expect(store.list().map((x) => x.name)).toEqual(['custom-squeezenet-test']);
    expect(store.get('custom-not-a-model')).toBeUndefined();
    expect(store.current()).toBe('custom-squeezenet-test');
    expect(readdirSync(join(tmp, 'models')).sort()).toEqual(before);
  });

  it('import of a reduced-width VGG16 is refused with the parameter count', async () => {
    const store = new ModelStore(join(tmp, 'models2'));
    await expect(store.import(shared('reference', 'tiny', 'model.caffemodel'))).rejects.toThrow(/619,089 parameters, not one of the published models/);
  });
});
