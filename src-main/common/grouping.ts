import type { FaceQualityParts } from './face.js';
import type { GroupingSettings } from './model-manifest.js';

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

/**
 * The people's reference embeddings, in one growing matrix for a tight distance loop. Each reference is a trusted
 * face of a person; a person has many (years apart, with and without glasses), not one mean vector.
 */
export class ReferenceIndex {
  private vectors: Float32Array;
  private personOf: Int32Array;
  private photoOf: Int32Array;
  private faceOf: Int32Array;
  private count = 0;

  constructor(readonly dimension: number, capacity = 1024) {
    this.vectors = new Float32Array(capacity * dimension);
    this.personOf = new Int32Array(capacity);
    this.photoOf = new Int32Array(capacity);
    this.faceOf = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(faceId: number, personId: number, photoId: number, embedding: Float32Array): void {
    if (this.count === this.personOf.length) this.grow();
    this.vectors.set(embedding, this.count * this.dimension);
    this.personOf[this.count] = personId;
    this.photoOf[this.count] = photoId;
    this.faceOf[this.count] = faceId;
    this.count++;
  }

  private grow(): void {
    const capacity = this.personOf.length * 2;
    const vectors = new Float32Array(capacity * this.dimension);
    vectors.set(this.vectors);
    this.vectors = vectors;
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

  referencesOf(personId: number): Float32Array[] {
    const out: Float32Array[] = [];
    for (let i = 0; i < this.count; i++) {
      if (this.personOf[i] === personId) out.push(this.vectors.subarray(i * this.dimension, (i + 1) * this.dimension));
    }
    return out;
  }

  /**
   * Every person with a reference closer than `cutoff`, with the face's link to them (mean of its `k` nearest
   * references), best first.
   */
  candidates(embedding: Float32Array, k: number, cutoff: number): Candidate[] {
    const nearest = new Map<number, number[]>();
    const dim = this.dimension;
    const cutoffSquared = cutoff * cutoff;
    for (let i = 0; i < this.count; i++) {
      const person = this.personOf[i]!;
      if (person < 0) continue;
      let sum = 0;
      const base = i * dim;
      for (let j = 0; j < dim && sum < cutoffSquared; j++) {
        const d = this.vectors[base + j]! - embedding[j]!;
        sum += d * d;
      }
      if (sum >= cutoffSquared) continue;
      const list = nearest.get(person);
      if (list) list.push(Math.sqrt(sum));
      else nearest.set(person, [Math.sqrt(sum)]);
    }
    return [...nearest]
      .map(([personId, distances]) => ({ personId, link: meanOfSmallest(distances, k) }))
      .sort((a, b) => a.link - b.link);
  }
}

/** Symmetric link between two groups of embeddings: each member's mean distance to its k nearest in the other. */
export function groupLink(a: readonly Float32Array[], b: readonly Float32Array[], k: number): number {
  const oneWay = (from: readonly Float32Array[], to: readonly Float32Array[]): number =>
    from.reduce((sum, x) => sum + meanOfSmallest(to.map((y) => euclidean(x, y)), k), 0) / from.length;
  return (oneWay(a, b) + oneWay(b, a)) / 2;
}
