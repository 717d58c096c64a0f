/**
 * The model worker: owns the onnxruntime session so that its blocking run()
 * (200–600 ms per VGG16 image on 2 cores) never stalls the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { OnnxModel } from './onnx-model.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { explainInWorker } from '../explain/worker-explain.js';

if (!parentPort) throw new Error('worker-entry must run in a worker thread');
const port = parentPort;
let model: OnnxModel | null = null;
let loading: Promise<OnnxModel> | null = null;
let lastThreads = 0;

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

port.on('message', (msg: ToWorker) => {
  void (async () => {
    if (msg.type === 'load') {
      try {
        lastThreads = msg.threads;
        loading = OnnxModel.load(msg.path, { threads: msg.threads, accelerator: msg.accelerator });
        model = await loading;
        send({ type: 'loaded', loadSeconds: model.loadSeconds, metadata: model.metadata.props, provider: model.provider });
      } catch (e) {
        send({ type: 'error', id: null, message: (e as Error).message });
      }
      return;
    }
    if (msg.type === 'explain') {
      send(await explainInWorker(msg, (model ?? (loading ? await loading.catch(() => null) : null))?.path ?? null, lastThreads));
      return;
    }
    try {
      const m = model ?? (loading ? await loading : null);
      if (!m) throw new Error('no model loaded');
      const t0 = performance.now();
      const out = await m.run(msg.pixels, msg.n);
      // The input buffer goes back too, for the client to fill with the next batch.
      send(
        { type: 'result', id: msg.id, prob: out.prob, features: out.features, classes: out.classes, featureDim: out.featureDim, ms: performance.now() - t0, pixels: msg.pixels },
        [out.prob.buffer as ArrayBuffer, out.features.buffer as ArrayBuffer, msg.pixels.buffer as ArrayBuffer],
      );
    } catch (e) {
      send({ type: 'error', id: msg.id, message: (e as Error).message });
    }
  })();
});
