/**
 * The personal-scenes worker: holds every photo's sketched descriptor
 * (sketch-store.ts) and trains and scores personal scenes, so that
 * retraining on every answer never blocks the engine's main thread.
 */
import { parentPort } from 'node:worker_threads';
import { SketchStore } from './sketch-store.js';
import { scoreSome, trainAndScore } from './scene-trainer.js';
import type { FromPersonalWorker, ToPersonalWorker } from './protocol.js';

if (!parentPort) throw new Error('personal-worker must run in a worker thread');
const port = parentPort;
const store = new SketchStore();

function send(msg: FromPersonalWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

port.on('message', (msg: ToPersonalWorker) => {
  try {
    switch (msg.type) {
      case 'reset':
        store.clear();
        break;
      case 'upsert':
        store.reserve(store.n + msg.ids.length);
        for (let i = 0; i < msg.ids.length; i++) store.upsert(msg.ids[i]!, msg.vecs.subarray(i * msg.dim, (i + 1) * msg.dim));
        break;
      case 'remove':
        for (const id of msg.ids) store.remove(id);
        break;
      case 'train': {
        const r = trainAndScore(store, msg.spec);
        send({ type: 'trained', req: msg.req, ...r }, [r.ids.buffer as ArrayBuffer, r.scores.buffer as ArrayBuffer]);
        return;
      }
      case 'score':
        send({ type: 'scored', req: msg.req, items: scoreSome(store, msg.model, msg.ids) });
        return;
    }
    send({ type: 'done', req: msg.req, n: store.n, bytes: store.bytes });
  } catch (e) {
    send({ type: 'error', req: msg.req, message: (e as Error).message });
  }
});
