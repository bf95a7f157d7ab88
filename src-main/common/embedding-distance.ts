/** How a recognizer's embeddings are compared (the manifest's `recognizer.distance`). */
export type DistanceMetric = 'euclidean' | 'cosine';

export type Embedding = ArrayLike<number>;

function checkLengths(a: Embedding, b: Embedding): void {
  if (a.length !== b.length) throw new RangeError(`embedding lengths differ: ${a.length} vs ${b.length}`);
}

export function dot(a: Embedding, b: Embedding): number {
  checkLengths(a, b);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function euclideanDistance(a: Embedding, b: Embedding): number {
  checkLengths(a, b);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

/** 1 − cos(a, b), in [0, 2]; works on raw or L2-normalised vectors. A zero vector is at distance 1 from anything. */
export function cosineDistance(a: Embedding, b: Embedding): number {
  checkLengths(a, b);
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  const denom = Math.sqrt(aa * bb);
  if (!(denom > 0)) return 1;
  const cos = Math.min(1, Math.max(-1, ab / denom));
  return 1 - cos;
}

/** The distance between two embeddings under `metric` (smaller = more alike). */
export function embeddingDistance(a: Embedding, b: Embedding, metric: DistanceMetric): number {
  switch (metric) {
    case 'euclidean':
      return euclideanDistance(a, b);
    case 'cosine':
      return cosineDistance(a, b);
    default: {
      const never: never = metric;
      throw new RangeError(`unknown distance metric ${String(never)}`);
    }
  }
}

/** Short alias: distance(a, b, metric). */
export const distance = embeddingDistance;

/** A unit-length copy of `v` (a zero vector stays zero). */
export function l2Normalize(v: Embedding): Float32Array {
  const out = Float32Array.from(v as ArrayLike<number>);
  l2NormalizeInPlace(out);
  return out;
}

export function l2NormalizeInPlace(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}
