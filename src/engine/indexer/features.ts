/**
 * Scene descriptors (fc7, 4096-d for VGG16) are stored as int8, each vector
 * scaled by its own largest magnitude: 4 KB a photo instead of 16 KB, and
 * cosine similarity is scale-free, so neighbours come out the same.
 */
export function quantize(v: Float32Array): Int8Array {
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]!));
  const q = new Int8Array(v.length);
  if (max === 0) return q;
  const s = 127 / max;
  for (let i = 0; i < v.length; i++) q[i] = Math.round(v[i]! * s);
  return q;
}

export function norm(q: Int8Array): number {
  let s = 0;
  for (let i = 0; i < q.length; i++) s += q[i]! * q[i]!;
  return Math.sqrt(s);
}

export function cosine(a: Int8Array, b: Int8Array, na = norm(a), nb = norm(b)): number {
  if (na === 0 || nb === 0 || a.length !== b.length) return 0;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (na * nb);
}
