import type { FaceQualityParts } from './face.js';
import type { GroupingSettings } from './model-manifest.js';
import { squaredDistance, vectorRows, type VectorRows, type VectorStorage } from './vector-rows.js';

export function euclidean(a: Float32Array, b: Float32Array, aOffset = 0): number {
  let sum = 0;
  for (let i = 0; i < b.length; i++) {
    const d = a[aOffset + i]! - b[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** P(same person) for a link distance, from the logistic fitted on labelled pairs. */
export function confidenceOf(link: number, settings: GroupingSettings): number {
  return 1 / (1 + Math.exp((link - settings.confidence.midpoint) / settings.confidence.scale));
}

/** Whether a face is good enough to seed a person or to stand as one of a person's references. */
export function isTrustedFace(quality: Pick<FaceQualityParts, 'pose' | 'sharpness' | 'eyeDistancePx' | 'detectorScore'>, settings: GroupingSettings): boolean {
  const t = settings.trusted;
  return (
    quality.pose >= t.minPose &&
    quality.sharpness >= t.minSharpness &&
    quality.eyeDistancePx >= t.minEyeDistancePx &&
    quality.detectorScore >= t.minDetectorScore
  );
}

/** Mean of the k smallest values (all of them when fewer): a face's link distance to a person's references. */
export function meanOfSmallest(values: readonly number[], k: number): number {
  const sorted = [...values].sort((a, b) => a - b).slice(0, k);
  return sorted.reduce((s, v) => s + v, 0) / sorted.length;
}

export interface Candidate {
  readonly personId: number;
  readonly link: number;
}

export interface ReferenceIndexOptions {
  /**
   * Always scan every reference (the reference implementation, for benchmarks and tests). Otherwise, from
   * `partitionFrom` references on, a query scans only the references in the partition cells nearest to it.
   */
  readonly exact?: boolean;
  /** Size from which the partition is used (default 20,000: below it a full scan takes under a few ms). */
  readonly partitionFrom?: number;
  /** How many of the nearest cells a query scans (default: 5 % of the cells, at least 12). */
  readonly probes?: number;
  /** How the references are held (default int8: a quarter of float32's memory, see vector-rows.ts). */
  readonly storage?: VectorStorage;
}

/** Index of the row of `centroids` (k rows) nearest to `q`. */
function nearestRow(centroids: Float32Array, k: number, q: Float32Array, dim: number): number {
  let best = 0;
  let bestSum = Infinity;
  for (let c = 0; c < k; c++) {
    const sum = squaredDistance(centroids, c * dim, q, dim, bestSum);
    if (sum < bestSum) {
      bestSum = sum;
      best = c;
    }
  }
  return best;
}

/** Lloyd's k-means over `members` of `vectors` (at most `sample` of them, evenly spread), `iterations` rounds. */
function kMeans(vectors: VectorRows, members: Int32Array, k: number, iterations: number, sample: number): Float32Array {
  const dim = vectors.dimension;
  const step = Math.max(1, members.length / sample);
  const picked: number[] = [];
  for (let i = 0; i < members.length && picked.length < sample; i = Math.floor(picked.length * step)) picked.push(members[i]!);
  const data = new Float32Array(picked.length * dim);
  picked.forEach((row, i) => vectors.read(row, data.subarray(i * dim, (i + 1) * dim)));
  const centroids = new Float32Array(k * dim);
  for (let c = 0; c < k; c++) {
    const i = Math.floor((c * picked.length) / k);
    centroids.set(data.subarray(i * dim, (i + 1) * dim), c * dim);
  }
  const sums = new Float64Array(k * dim);
  const counts = new Int32Array(k);
  for (let round = 0; round < iterations; round++) {
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < picked.length; i++) {
      const c = nearestRow(centroids, k, data.subarray(i * dim, (i + 1) * dim), dim);
      counts[c] = counts[c]! + 1;
      for (let j = 0; j < dim; j++) sums[c * dim + j] = sums[c * dim + j]! + data[i * dim + j]!;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue; // an empty cell keeps its centroid
      for (let j = 0; j < dim; j++) centroids[c * dim + j] = sums[c * dim + j]! / counts[c]!;
    }
  }
  return centroids;
}

/** References per fine cell of the partition. */
const CELL_SIZE = 1000;

/** A growing list of row numbers. */
class RowList {
  rows = new Int32Array(16);
  length = 0;
  push(row: number): void {
    if (this.length === this.rows.length) {
      const next = new Int32Array(this.rows.length * 2);
      next.set(this.rows);
      this.rows = next;
    }
    this.rows[this.length++] = row;
  }
}

/**
 * A two-level k-means partition of the references (an inverted file): sqrt(n / 1,000) coarse cells, each split
 * into fine cells of about 1,000 references. A reference is filed under the nearest fine cell of its nearest coarse
 * cell (about 2 sqrt(n / 1,000) distances instead of n / 1,000); a query ranks every fine cell by centroid distance
 * and scans the nearest few. Centroids stay fixed between rebuilds; references added since are filed by them.
 */
class Partition {
  readonly cells: number;
  readonly lists: RowList[];
  constructor(
    private readonly dim: number,
    private readonly topCentroids: Float32Array,
    /** Fine cells of coarse cell t: `firstCell[t]` up to `firstCell[t + 1]`. */
    private readonly firstCell: Int32Array,
    /** Fine centroids, one row per cell. */
    readonly centroids: Float32Array,
  ) {
    this.cells = centroids.length / dim;
    this.lists = Array.from({ length: this.cells }, () => new RowList());
  }

  /** Coarse cells: sqrt(count / 1000); each split into fine cells of about 1,000 references (so they are even). */
  static build(vectors: VectorRows): Partition {
    const { dimension: dim, length: count } = vectors;
    const tops = Math.max(2, Math.round(Math.sqrt(count / CELL_SIZE)));
    const all = new Int32Array(count);
    for (let i = 0; i < count; i++) all[i] = i;
    const top = kMeans(vectors, all, tops, 8, Math.min(count, tops * 300));
    const topOf = new Int32Array(count);
    const members = Array.from({ length: tops }, () => new RowList());
    const row = new Float32Array(dim);
    for (let i = 0; i < count; i++) {
      topOf[i] = nearestRow(top, tops, vectors.read(i, row), dim);
      members[topOf[i]!]!.push(i);
    }
    const firstCell = new Int32Array(tops + 1);
    for (let t = 0; t < tops; t++) firstCell[t + 1] = firstCell[t]! + Math.max(1, Math.round(members[t]!.length / CELL_SIZE));
    const fine = new Float32Array(firstCell[tops]! * dim);
    members.forEach((m, t) => {
      const rows = m.rows.subarray(0, m.length);
      const subs = firstCell[t + 1]! - firstCell[t]!;
      if (rows.length === 0) fine.set(top.subarray(t * dim, (t + 1) * dim), firstCell[t]! * dim);
      else fine.set(kMeans(vectors, rows, subs, 6, subs * 40), firstCell[t]! * dim);
    });
    const partition = new Partition(dim, top, firstCell, fine);
    for (let i = 0; i < count; i++) partition.fileRow(vectors.read(i, row), i, topOf[i]!);
    return partition;
  }

  /** Files row `row` of `vectors` (added since the build) under its nearest cell. */
  file(vectors: VectorRows, row: number): void {
    const v = vectors.read(row);
    this.fileRow(v, row, nearestRow(this.topCentroids, this.firstCell.length - 1, v, this.dim));
  }

  private fileRow(v: Float32Array, row: number, top: number): void {
    const first = this.firstCell[top]!;
    const subs = this.firstCell[top + 1]! - first;
    const s = subs === 1 ? 0 : nearestRow(this.centroids.subarray(first * this.dim, (first + subs) * this.dim), subs, v, this.dim);
    this.lists[first + s]!.push(row);
  }

  /** The `probes` cells nearest to `q`. */
  nearestCells(q: Float32Array, probes: number): Int32Array {
    const distances = new Float64Array(this.cells);
    for (let c = 0; c < this.cells; c++) distances[c] = squaredDistance(this.centroids, c * this.dim, q, this.dim, Infinity);
    const order = new Int32Array(this.cells);
    for (let c = 0; c < this.cells; c++) order[c] = c;
    order.sort((a, b) => distances[a]! - distances[b]!);
    return order.subarray(0, Math.min(probes, this.cells));
  }
}

/**
 * The people's reference embeddings, in one growing matrix for a tight distance loop. Each reference is a trusted
 * face of a person; a person has many (years apart, with and without glasses), not one mean vector. The matrix is
 * int8 with one scale per reference by default (a million references in 126 MB instead of 512 MB); the query stays
 * float32, and distances are computed from the scaled codes.
 *
 * Search: below `partitionFrom` references every query scans them all (exact). From there on the references are
 * partitioned by two-level k-means (about 1,000 per cell; built on the first query, rebuilt when the index has
 * doubled since) and a query scans the 5 % of cells nearest to it with the same distance as the full scan, so the
 * people and links it returns are exact for every reference in those cells. It is approximate only in which cells
 * it scans: `bench/vector-search.ts` measures how often the result equals the full scan (`exactCandidates`, the
 * reference implementation; `{ exact: true }` makes `candidates` use it).
 */
export class ReferenceIndex {
  private readonly vectors: VectorRows;
  private personOf: Int32Array;
  private photoOf: Int32Array;
  private faceOf: Int32Array;
  private count = 0;
  private partition: Partition | null = null;
  private partitionedCount = 0;
  private readonly exact: boolean;
  private readonly partitionFrom: number;
  /** Cells scanned per query (see ReferenceIndexOptions.probes); settable for the benchmark. */
  probes: number | undefined;

  constructor(
    readonly dimension: number,
    capacity = 1024,
    options: ReferenceIndexOptions = {},
  ) {
    this.vectors = vectorRows(options.storage ?? 'int8', dimension, capacity);
    this.personOf = new Int32Array(capacity);
    this.photoOf = new Int32Array(capacity);
    this.faceOf = new Int32Array(capacity);
    this.exact = options.exact ?? false;
    this.partitionFrom = options.partitionFrom ?? 20_000;
    this.probes = options.probes;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the index (its matrix, row labels and partition), for the benchmark. */
  get bytes(): number {
    let bytes = this.vectors.bytes + this.personOf.byteLength + this.photoOf.byteLength + this.faceOf.byteLength;
    if (this.partition) bytes += this.partition.centroids.byteLength + this.partition.lists.reduce((s, l) => s + l.rows.byteLength, 0);
    return bytes;
  }

  add(faceId: number, personId: number, photoId: number, embedding: Float32Array): void {
    if (this.count === this.personOf.length) this.grow();
    this.vectors.push(embedding);
    this.personOf[this.count] = personId;
    this.photoOf[this.count] = photoId;
    this.faceOf[this.count] = faceId;
    this.partition?.file(this.vectors, this.count);
    this.count++;
  }

  private grow(): void {
    const capacity = this.personOf.length * 2;
    for (const key of ['personOf', 'photoOf', 'faceOf'] as const) {
      const next = new Int32Array(capacity);
      next.set(this[key]);
      this[key] = next;
    }
  }

  /** Moves every reference of `from` to `to` (a merge). */
  relabel(from: number, to: number): void {
    for (let i = 0; i < this.count; i++) if (this.personOf[i] === from) this.personOf[i] = to;
  }

  /** Drops one face's reference (it was moved, rejected or un-confirmed). */
  removeFace(faceId: number): void {
    for (let i = 0; i < this.count; i++) if (this.faceOf[i] === faceId) this.personOf[i] = -1;
  }

  /** Photos in which `personId` has a reference. */
  photosOf(personId: number): Set<number> {
    const out = new Set<number>();
    for (let i = 0; i < this.count; i++) if (this.personOf[i] === personId) out.add(this.photoOf[i]!);
    return out;
  }

  /** Copies of `personId`'s references, as the index holds them. */
  referencesOf(personId: number): Float32Array[] {
    const out: Float32Array[] = [];
    for (let i = 0; i < this.count; i++) if (this.personOf[i] === personId) out.push(this.vectors.read(i));
    return out;
  }

  /** The partition, (re)built when the index has reached `partitionFrom` and doubled since the last build. */
  private currentPartition(): Partition | null {
    if (this.exact || this.count < this.partitionFrom) return null;
    if (!this.partition || this.count >= 2 * this.partitionedCount) {
      this.partition = Partition.build(this.vectors);
      this.partitionedCount = this.count;
    }
    return this.partition;
  }

  /**
   * Every person with a reference closer than `cutoff`, with the face's link to them (mean of its `k` nearest
   * references), best first. Scans the nearest cells of the partition once there is one.
   */
  candidates(embedding: Float32Array, k: number, cutoff: number): Candidate[] {
    const partition = this.currentPartition();
    if (!partition) return this.exactCandidates(embedding, k, cutoff);
    const nearest = new Map<number, number[]>();
    const probes = this.probes ?? Math.max(12, Math.ceil(partition.cells * 0.05));
    for (const cell of partition.nearestCells(embedding, probes)) {
      const list = partition.lists[cell]!;
      this.scanRows(list.rows, list.length, embedding, cutoff, nearest);
    }
    return ranked(nearest, k);
  }

  /** `candidates` by scanning every reference: the reference implementation. */
  exactCandidates(embedding: Float32Array, k: number, cutoff: number): Candidate[] {
    const nearest = new Map<number, number[]>();
    this.scanRows(null, this.count, embedding, cutoff, nearest);
    return ranked(nearest, k);
  }

  private scanRows(rows: Int32Array | null, length: number, embedding: Float32Array, cutoff: number, nearest: Map<number, number[]>): void {
    const cutoffSquared = cutoff * cutoff;
    for (let r = 0; r < length; r++) {
      const i = rows ? rows[r]! : r;
      const person = this.personOf[i]!;
      if (person < 0) continue;
      const sum = this.vectors.squaredDistance(i, embedding, cutoffSquared);
      if (sum >= cutoffSquared) continue;
      const list = nearest.get(person);
      if (list) list.push(Math.sqrt(sum));
      else nearest.set(person, [Math.sqrt(sum)]);
    }
  }
}

function ranked(nearest: Map<number, number[]>, k: number): Candidate[] {
  return [...nearest]
    .map(([personId, distances]) => ({ personId, link: meanOfSmallest(distances, k) }))
    .sort((a, b) => a.link - b.link);
}

/** Symmetric link between two groups of embeddings: each member's mean distance to its k nearest in the other. */
export function groupLink(a: readonly Float32Array[], b: readonly Float32Array[], k: number): number {
  const oneWay = (from: readonly Float32Array[], to: readonly Float32Array[]): number =>
    from.reduce((sum, x) => sum + meanOfSmallest(to.map((y) => euclidean(x, y)), k), 0) / from.length;
  return (oneWay(a, b) + oneWay(b, a)) / 2;
}
