/**
 * The worker client says why a classification failed by the error's type
 * (the indexer retries these and nothing else), with small stand-in workers:
 * one that cannot load its model, one that dies, one whose run fails.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toErrorBody } from '../../../shared/errors.js';
import { tempDir } from '../../../test-support/harness.js';
import { PIXELS } from '../../imaging/model-input.js';
import { ModelRunError, ModelUnavailableError, WorkerCrashedError } from './model-errors.js';
import { ModelWorkerClient } from './model-worker-client.js';

const tmp = tempDir('model-errors');
afterAll(() => tmp.cleanup());

/** A worker that loads at once and then does `onRun` (JavaScript source, given `parentPort` and the message `m`). */
function fakeWorker(name: string, onLoad: string, onRun = ''): string {
  const path = join(tmp.path, `${name}.mjs`);
  writeFileSync(
    path,
    `import { parentPort } from 'node:worker_threads';
parentPort.on('message', (m) => {
  if (m.type === 'load') { ${onLoad} }
  if (m.type === 'run') { ${onRun} }
});
`,
  );
  return path;
}

const LOADED = "parentPort.postMessage({ type: 'loaded', loadSeconds: 0, metadata: {}, provider: { name: 'cpu' } });";
const image = (): Float32Array => new Float32Array(3 * PIXELS);

async function failureOf(workerPath: string): Promise<unknown> {
  const client = new ModelWorkerClient('/nowhere/model.onnx', { workerPath, threads: 1 });
  try {
    return await client.classify(image()).then(
      () => null,
      (e: unknown) => e,
    );
  } finally {
    await client.close();
  }
}

describe('model worker failures are typed', () => {
  it('a model that cannot be loaded: ModelUnavailableError', async () => {
    const e = await failureOf(fakeWorker('no-load', "parentPort.postMessage({ type: 'error', id: null, message: 'not an ONNX file' });"));
    expect(e).toBeInstanceOf(ModelUnavailableError);
    expect((e as Error).message).toBe('cannot load model /nowhere/model.onnx: not an ONNX file');
    expect(toErrorBody(e)).toEqual({ code: 'unavailable', message: 'cannot load model /nowhere/model.onnx: not an ONNX file' });
  });

  it('a worker that exits with requests in flight: WorkerCrashedError', async () => {
    const e = await failureOf(fakeWorker('exits', LOADED, 'process.exit(3);'));
    expect(e).toBeInstanceOf(WorkerCrashedError);
  });

  it('a worker that throws: WorkerCrashedError', async () => {
    const e = await failureOf(fakeWorker('throws', LOADED, "throw new Error('out of memory');"));
    expect(e).toBeInstanceOf(WorkerCrashedError);
    expect((e as Error).message).toBe('model worker failed: out of memory');
  });

  it('a run that fails in the worker: ModelRunError', async () => {
    const e = await failureOf(fakeWorker('run-fails', LOADED, "parentPort.postMessage({ type: 'error', id: m.id, message: 'Conv failed' });"));
    expect(e).toBeInstanceOf(ModelRunError);
  });

  it('a closed client: ModelUnavailableError', async () => {
    const client = new ModelWorkerClient('/nowhere/model.onnx', { workerPath: fakeWorker('closed', LOADED) });
    await client.close();
    await expect(client.classify(image())).rejects.toBeInstanceOf(ModelUnavailableError);
  });

  it('errors that are not the contract\'s become internal in one place', () => {
    expect(toErrorBody(new Error('boom'))).toEqual({ code: 'internal', message: 'boom' });
    expect(toErrorBody('odd')).toEqual({ code: 'internal', message: 'odd' });
  });
});
