import { describe, expect, it } from 'vitest';
import { ReferenceIndex, type Candidate } from '../../src-main/common/grouping.js';

/** The manifest's grouping figures: neighbours 3, cutoff = max(assign, merge, suggest) + 0.15. */
const K = 3;
const CUTOFF = 0.75;
const DIM = 128;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
}

function jitter(base: Float32Array, sigma: number, random: () => number): Float32Array {
  return base.map((v) => v + sigma * gaussian(random));
}

/** A random unit vector. */
function unit(random: () => number): Float32Array {
  const v = new Float32Array(DIM).map(() => gaussian(random));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/**
 * Clustered like faces: `bases` real-looking identities, each the root of several people (0.06 per dimension
 * apart, as bench/people-scale.ts makes them), each person with `perPerson` faces (0.025 per dimension).
 */
function clustered(index: ReferenceIndex, random: () => number, people: number, perPerson: number, bases = 20): Float32Array[] {
  const roots = Array.from({ length: bases }, () => unit(random).map((x) => x * 0.6));
  const identities: Float32Array[] = [];
  let face = 0;
  for (let p = 0; p < people; p++) {
    const identity = jitter(roots[p % bases]!, 0.06, random);
    identities.push(identity);
    for (let f = 0; f < perPerson; f++) {
      face++;
      index.add(face, p + 1, face, jitter(identity, 0.025, random));
    }
  }
  return identities;
}

function expectSame(fast: readonly Candidate[], exact: readonly Candidate[]): void {
  expect(fast.map((c) => c.personId)).toEqual(exact.map((c) => c.personId));
  fast.forEach((c, i) => expect(c.link).toBeCloseTo(exact[i]!.link, 6));
}

describe('ReferenceIndex', () => {
  it('returns the exact candidates on clustered data once it is partitioned', () => {
    const random = seeded(7);
    const index = new ReferenceIndex(DIM, 1024, { partitionFrom: 2000 });
    const identities = clustered(index, random, 600, 20);
    let withCandidates = 0;
    for (let q = 0; q < 200; q++) {
      // New faces of known people, and faces of people not in the index (near one of the roots).
      const face = q % 2 === 0 ? jitter(identities[Math.floor(random() * identities.length)]!, 0.025, random) : jitter(jitter(identities[q % 20]!, 0.06, random), 0.025, random);
      const exact = index.exactCandidates(face, K, CUTOFF);
      if (exact.length > 0) withCandidates++;
      expectSame(index.candidates(face, K, CUTOFF), exact);
    }
    expect(withCandidates).toBeGreaterThan(100);
  });

  it('returns the exact candidates on random data once it is partitioned', () => {
    const random = seeded(11);
    const index = new ReferenceIndex(DIM, 1024, { partitionFrom: 2000 });
    const stored: Float32Array[] = [];
    for (let i = 0; i < 8000; i++) {
      const v = unit(random);
      stored.push(v);
      index.add(i + 1, (i % 3000) + 1, i + 1, v);
    }
    for (let q = 0; q < 200; q++) {
      const face = jitter(stored[Math.floor(random() * stored.length)]!, 0.02, random);
      const exact = index.exactCandidates(face, K, CUTOFF);
      expect(exact.length).toBeGreaterThan(0);
      expectSame(index.candidates(face, K, CUTOFF), exact);
    }
  });

  it('finds references added after the partition was built, and rebuilds it as the index doubles', () => {
    const random = seeded(3);
    const index = new ReferenceIndex(DIM, 16, { partitionFrom: 1000 });
    const identities = clustered(index, random, 60, 20);
    const face = jitter(identities[5]!, 0.025, random);
    expectSame(index.candidates(face, K, CUTOFF), index.exactCandidates(face, K, CUTOFF)); // builds the partition
    const newcomer = unit(random).map((x) => x * 0.6);
    index.add(99_999, 777, 99_999, newcomer);
    expect(index.candidates(jitter(newcomer, 0.01, random), K, CUTOFF)[0]?.personId).toBe(777);
    const more = clustered(index, random, 100, 20); // past twice the partitioned size: rebuilt on the next query
    for (const identity of [...identities.slice(0, 10), ...more.slice(0, 10)]) {
      const q = jitter(identity, 0.025, random);
      expectSame(index.candidates(q, K, CUTOFF), index.exactCandidates(q, K, CUTOFF));
    }
  });

  it('keeps relabel, removeFace, photosOf and referencesOf working with the partition', () => {
    const random = seeded(5);
    const index = new ReferenceIndex(DIM, 1024, { partitionFrom: 1000 });
    const identities = clustered(index, random, 100, 20);
    const face = jitter(identities[0]!, 0.025, random);
    expect(index.candidates(face, K, CUTOFF)[0]?.personId).toBe(1);
    // Person 1 has faces 1..20 in photos 1..20.
    expect(index.photosOf(1)).toEqual(new Set(Array.from({ length: 20 }, (_, i) => i + 1)));
    index.relabel(1, 500);
    expect(index.candidates(face, K, CUTOFF)[0]?.personId).toBe(500);
    expect(index.referencesOf(1)).toHaveLength(0);
    expect(index.referencesOf(500)).toHaveLength(20);
    for (let f = 1; f <= 20; f++) index.removeFace(f);
    expect(index.candidates(face, K, CUTOFF).some((c) => c.personId === 500)).toBe(false);
    expect(index.photosOf(500).size).toBe(0);
    expectSame(index.candidates(face, K, CUTOFF), index.exactCandidates(face, K, CUTOFF));
  });

  it('scans everything when exact (the reference implementation) and below partitionFrom', () => {
    const random = seeded(9);
    const exact = new ReferenceIndex(DIM, 1024, { exact: true, partitionFrom: 10 });
    const identities = clustered(exact, random, 50, 20);
    for (const identity of identities.slice(0, 20)) {
      const q = jitter(identity, 0.025, random);
      expect(exact.candidates(q, K, CUTOFF)).toEqual(exact.exactCandidates(q, K, CUTOFF));
    }
    const small = new ReferenceIndex(DIM, 1024, { storage: 'float32' });
    small.add(1, 1, 1, identities[0]!);
    small.add(2, 2, 2, identities[1]!);
    expect(small.candidates(identities[0]!, K, CUTOFF)[0]).toEqual({ personId: 1, link: 0 });
  });

  it('holds int8 references within their quantisation error of the float32 ones', () => {
    const random = seeded(13);
    const float = new ReferenceIndex(DIM, 16, { storage: 'float32', exact: true });
    const int8 = new ReferenceIndex(DIM, 16, { exact: true });
    const identities = clustered(float, random, 40, 10);
    clustered(int8, seeded(13), 40, 10);
    expect(int8.bytes).toBeLessThan(float.bytes / 2);
    // One reference: the link from the float vector to its own int8 copy is the quantisation error alone.
    const one = new ReferenceIndex(DIM);
    one.add(1, 1, 1, identities[0]!);
    const [self] = one.candidates(identities[0]!, K, CUTOFF);
    expect(self!.personId).toBe(1);
    expect(self!.link).toBeGreaterThan(0);
    expect(self!.link).toBeLessThan(0.01);
    expect(one.referencesOf(1)[0]!.every((v, i) => Math.abs(v - identities[0]![i]!) < 0.005)).toBe(true);
    for (const identity of identities.slice(0, 20)) {
      const q = jitter(identity, 0.025, random);
      const a = float.candidates(q, K, CUTOFF);
      const b = int8.candidates(q, K, CUTOFF);
      expect(b.map((c) => c.personId).slice(0, 3)).toEqual(a.map((c) => c.personId).slice(0, 3));
      b.forEach((c) => expect(Math.abs(c.link - a.find((x) => x.personId === c.personId)!.link)).toBeLessThan(0.01));
    }
  });
});
