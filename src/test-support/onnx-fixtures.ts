/**
 * Small ONNX models built in code with Scenery's own ONNX writer, good and
 * deliberately broken, for the model-import tests: no binaries committed.
 * The good one is a real (tiny) contract model: input `image` [N,3,224,224],
 * `features` = the per-channel mean tiled to `featureDim`, `prob` = softmax
 * of a fixed linear layer (over the 3 channel means) to `classes`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { OnnxGraph } from '../engine/model/onnx/onnx-builder.js';

export interface FixtureOptions {
  classes?: number;
  featureDim?: number;
  /** Leave out the `features` output. */
  noFeatures?: boolean;
  /** Put a NaN in the class weights (every prob becomes NaN). */
  nan?: boolean;
  /** Fixed batch dimension 1 instead of a dynamic N. */
  fixedBatch?: boolean;
  /** `prob` without the softmax (raw logits). */
  noSoftmax?: boolean;
  /** Store the class weights as external data at this location (written beside the model unless it escapes). */
  externalLocation?: string;
  props?: Record<string, string>;
}

export function fixtureBytes(o: FixtureOptions = {}): Uint8Array {
  const classes = o.classes ?? 365;
  const featureDim = o.featureDim ?? 12;
  if (featureDim % 3) throw new Error('featureDim must be a multiple of 3');
  const g = new OnnxGraph();
  const x = g.input('image', [o.fixedBatch ? 1 : 'N', 3, 224, 224]);
  const pooled = g.node('GlobalAveragePool', [x]);
  const flat = g.node('Flatten', [pooled], { axis: 1 });
  const scaled = g.node('Mul', [flat, g.floats('inv255', [1], Float32Array.of(1 / 255))]);
  const reps = g.int64s('reps', [2], [1, featureDim / 3]);
  g.node('Tile', [scaled, reps], {}, o.noFeatures ? 'hidden' : 'features');
  const w = weights(classes);
  if (o.nan) w[5] = Number.NaN;
  const wName = o.externalLocation ? g.external('w', [classes, 3], o.externalLocation, 0, w.byteLength) : g.floats('w', [classes, 3], w);
  const logits = g.node('Gemm', [scaled, wName, g.floats('b', [classes], new Float32Array(classes))], { transB: 1 }, o.noSoftmax ? 'prob' : 'logits');
  if (!o.noSoftmax) g.node('Softmax', [logits], { axis: 1 }, 'prob');
  const n = o.fixedBatch ? 1 : 'N';
  g.output('prob', [n, classes]);
  if (!o.noFeatures) g.output('features', [n, featureDim]);
  return g.encode({ producer: 'scenery-test', version: '1', doc: 'test fixture', opset: 17, props: o.props ?? {} });
}

function weights(classes: number): Float32Array {
  return new Float32Array(classes * 3).map((_, i) => Math.sin(i * 0.37) * 3);
}

/** Writes a fixture model to `path` (and its external data beside it, when that location stays beside it). */
export function writeFixture(path: string, o: FixtureOptions = {}): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, fixtureBytes(o));
  if (o.externalLocation && !o.externalLocation.includes('..') && !o.externalLocation.startsWith('/')) {
    writeFileSync(`${dirname(path)}/${o.externalLocation}`, Buffer.from(weights(o.classes ?? 365).buffer));
  }
  return path;
}
