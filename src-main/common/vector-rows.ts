/**
 * How the reference index holds its vectors: float32 (4 bytes a value), or int8 with one float scale per vector
 * (x ≈ scale · code, a quarter of the bytes; bench/vector-search.ts measures what it costs in grouping quality).
 */
export type VectorStorage = 'float32' | 'int8';

/** A growing matrix of vectors of one dimension, one row per vector. */
export interface VectorRows {
  readonly dimension: number;
  readonly length: number;
  /** Bytes held, capacity included. */
  readonly bytes: number;
  push(vector: Float32Array): void;
  /** Row `row` as float32 values, written into `out`. */
  read(row: number, out?: Float32Array): Float32Array;
  /** Squared distance between row `row` and `q`, given up (returning a value >= `limit`) once it reaches `limit`. */
  squaredDistance(row: number, q: Float32Array, limit: number): number;
}

export function vectorRows(storage: VectorStorage, dimension: number, capacity: number): VectorRows {
  return storage === 'int8' ? new Int8Rows(dimension, capacity) : new Float32Rows(dimension, capacity);
}

/**
 * Squared distance between the row at `base` of `matrix` and `q`, given up once it reaches `limit`: eight lanes at a
 * time (about twice as fast in V8 as one accumulator), checked every 16.
 */
export function squaredDistance(matrix: Float32Array, base: number, q: Float32Array, dim: number, limit: number): number {
  let sum = 0;
  let j = 0;
  for (; j + 8 <= dim; j += 8) {
    const a = matrix[base + j]! - q[j]!;
    const b = matrix[base + j + 1]! - q[j + 1]!;
    const c = matrix[base + j + 2]! - q[j + 2]!;
    const d = matrix[base + j + 3]! - q[j + 3]!;
    const e = matrix[base + j + 4]! - q[j + 4]!;
    const f = matrix[base + j + 5]! - q[j + 5]!;
    const g = matrix[base + j + 6]! - q[j + 6]!;
    const h = matrix[base + j + 7]! - q[j + 7]!;
    sum += a * a + b * b + c * c + d * d + e * e + f * f + g * g + h * h;
    if ((j & 15) === 8 && sum >= limit) return sum;
  }
  for (; j < dim; j++) {
    const d = matrix[base + j]! - q[j]!;
    sum += d * d;
  }
  return sum;
}

/**
 * Writes `vector` as int8 codes into `codes` from `offset` and returns its scale: max |x| / 127, so that the
 * largest value is ±127 and every value is within scale / 2 of scale · code.
 */
export function quantiseInt8(vector: Float32Array, codes: Int8Array, offset: number): number {
  let max = 0;
  for (let i = 0; i < vector.length; i++) max = Math.max(max, Math.abs(vector[i]!));
  const scale = max / 127;
  const inverse = scale === 0 ? 0 : 1 / scale;
  for (let i = 0; i < vector.length; i++) codes[offset + i] = Math.max(-127, Math.min(127, Math.round(vector[i]! * inverse)));
  return scale;
}

/** `vector` as the int8 rows hold it (quantised and read back), for measuring what the storage changes. */
export function int8RoundTrip(vector: Float32Array): Float32Array {
  const codes = new Int8Array(vector.length);
  const scale = quantiseInt8(vector, codes, 0);
  return Float32Array.from(codes, (c) => c * scale);
}

export class Float32Rows implements VectorRows {
  private values: Float32Array;
  length = 0;

  constructor(
    readonly dimension: number,
    capacity: number,
  ) {
    this.values = new Float32Array(Math.max(1, capacity) * dimension);
  }

  get bytes(): number {
    return this.values.byteLength;
  }

  push(vector: Float32Array): void {
    if ((this.length + 1) * this.dimension > this.values.length) {
      const next = new Float32Array(this.values.length * 2);
      next.set(this.values);
      this.values = next;
    }
    this.values.set(vector, this.length * this.dimension);
    this.length++;
  }

  read(row: number, out = new Float32Array(this.dimension)): Float32Array {
    out.set(this.values.subarray(row * this.dimension, (row + 1) * this.dimension));
    return out;
  }

  squaredDistance(row: number, q: Float32Array, limit: number): number {
    return squaredDistance(this.values, row * this.dimension, q, this.dimension, limit);
  }
}

/** int8 codes with one float32 scale per row: dimension + 4 bytes a vector. */
export class Int8Rows implements VectorRows {
  private codes: Int8Array;
  private scales: Float32Array;
  length = 0;

  constructor(
    readonly dimension: number,
    capacity: number,
  ) {
    this.codes = new Int8Array(Math.max(1, capacity) * dimension);
    this.scales = new Float32Array(Math.max(1, capacity));
  }

  get bytes(): number {
    return this.codes.byteLength + this.scales.byteLength;
  }

  push(vector: Float32Array): void {
    if (this.length === this.scales.length) {
      const codes = new Int8Array(this.codes.length * 2);
      codes.set(this.codes);
      this.codes = codes;
      const scales = new Float32Array(this.scales.length * 2);
      scales.set(this.scales);
      this.scales = scales;
    }
    this.scales[this.length] = quantiseInt8(vector, this.codes, this.length * this.dimension);
    this.length++;
  }

  read(row: number, out = new Float32Array(this.dimension)): Float32Array {
    const scale = this.scales[row]!;
    const base = row * this.dimension;
    for (let j = 0; j < this.dimension; j++) out[j] = this.codes[base + j]! * scale;
    return out;
  }

  /** As squaredDistance, each code scaled back as it is read. */
  squaredDistance(row: number, q: Float32Array, limit: number): number {
    const codes = this.codes;
    const s = this.scales[row]!;
    const dim = this.dimension;
    const base = row * dim;
    let sum = 0;
    let j = 0;
    for (; j + 8 <= dim; j += 8) {
      const a = s * codes[base + j]! - q[j]!;
      const b = s * codes[base + j + 1]! - q[j + 1]!;
      const c = s * codes[base + j + 2]! - q[j + 2]!;
      const d = s * codes[base + j + 3]! - q[j + 3]!;
      const e = s * codes[base + j + 4]! - q[j + 4]!;
      const f = s * codes[base + j + 5]! - q[j + 5]!;
      const g = s * codes[base + j + 6]! - q[j + 6]!;
      const h = s * codes[base + j + 7]! - q[j + 7]!;
      sum += a * a + b * b + c * c + d * d + e * e + f * f + g * g + h * h;
      if ((j & 15) === 8 && sum >= limit) return sum;
    }
    for (; j < dim; j++) {
      const d = s * codes[base + j]! - q[j]!;
      sum += d * d;
    }
    return sum;
  }
}
