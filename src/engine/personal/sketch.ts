/**
 * The compact form of the stored scene descriptors that personal scenes are
 * trained and scored on. A 4096-d int8 fc7 descriptor is L2-normalised and
 * folded into SKETCH_DIM dimensions by a fixed count sketch (each input
 * dimension added, with a fixed sign, to SKETCH_HASHES output dimensions),
 * then stored again as int8 with one scale per photo. Inner products, and so
 * every linear classifier, survive the fold up to a small error (a
 * Johnson-Lindenstrauss projection); in exchange 100,000 photos take 51 MB
 * instead of 410 MB and scoring them all reads 8x fewer bytes, which is what
 * keeps "retrain and re-score the library" under a second (docs/personal-scenes.md).
 */
export const SKETCH_DIM = 512;
const SKETCH_HASHES = 4;

/** A 32-bit mix (murmur3's finaliser): the sketch's hash, the same on every machine and run. */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

interface SketchPlan {
  /** For input dimension j and hash h: output index (low bits) and sign (bit 31), at j*SKETCH_HASHES+h. */
  slot: Uint16Array;
  sign: Float32Array;
}
const plans = new Map<number, SketchPlan>();

function plan(dim: number): SketchPlan {
  let p = plans.get(dim);
  if (!p) {
    const slot = new Uint16Array(dim * SKETCH_HASHES);
    const sign = new Float32Array(dim * SKETCH_HASHES);
    const s = 1 / Math.sqrt(SKETCH_HASHES);
    for (let j = 0; j < dim; j++) {
      for (let h = 0; h < SKETCH_HASHES; h++) {
        const r = mix(j * 7919 + h * 104729 + 1);
        slot[j * SKETCH_HASHES + h] = r % SKETCH_DIM;
        sign[j * SKETCH_HASHES + h] = r & 0x80000000 ? -s : s;
      }
    }
    p = { slot, sign };
    plans.set(dim, p);
  }
  return p;
}

/**
 * Folds one stored descriptor into `out` (SKETCH_DIM int8 values at `offset`)
 * and returns its scale: the unit-length sketch is out[i] * scale. A zero
 * descriptor gives scale 0 (it scores as nothing).
 */
export function sketchInto(vec: Int8Array, out: Int8Array, offset: number, tmp = new Float32Array(SKETCH_DIM)): number {
  const { slot, sign } = plan(vec.length);
  tmp.fill(0);
  for (let j = 0; j < vec.length; j++) {
    const v = vec[j]!;
    if (v === 0) continue;
    const b = j * SKETCH_HASHES;
    for (let h = 0; h < SKETCH_HASHES; h++) tmp[slot[b + h]!]! += v * sign[b + h]!;
  }
  let ss = 0;
  let max = 0;
  for (let i = 0; i < SKETCH_DIM; i++) {
    ss += tmp[i]! * tmp[i]!;
    max = Math.max(max, Math.abs(tmp[i]!));
  }
  if (ss === 0 || max === 0) {
    out.fill(0, offset, offset + SKETCH_DIM);
    return 0;
  }
  const q = 127 / max;
  for (let i = 0; i < SKETCH_DIM; i++) out[offset + i] = Math.round(tmp[i]! * q);
  // Unit length after quantisation: the scale comes from the int8 values as stored.
  let qs = 0;
  for (let i = 0; i < SKETCH_DIM; i++) qs += out[offset + i]! * out[offset + i]!;
  return 1 / Math.sqrt(qs);
}

/** A stored descriptor's bytes (the catalog's BLOB) as int8. */
export function asInt8(b: Uint8Array): Int8Array {
  return new Int8Array(b.buffer, b.byteOffset, b.byteLength);
}
