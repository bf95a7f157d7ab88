/**
 * Synthetic people from real embeddings: each synthetic person is a real face's embedding moved by Gaussian noise
 * of PERSON_SIGMA per dimension (a new identity: about as far from the others as real people are), and each of
 * their faces is that identity plus FACE_SIGMA noise (spread like one real person's photos).
 */
const PERSON_SIGMA = 0.06;
const FACE_SIGMA = 0.025;
const FACES_PER_PERSON = 20;

export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
}

export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

export function jitter(base: Float32Array, sigma: number, random: () => number): Float32Array {
  const out = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) out[i] = base[i]! + sigma * gaussian(random);
  return out;
}

/**
 * Fills a library of `faces` synthetic references (FACES_PER_PERSON per synthetic person, person ids from 1) through
 * `add`, one at a time (no array of a million vectors), and returns the synthetic identities.
 */
export function syntheticFaces(
  real: readonly Float32Array[],
  faces: number,
  random: () => number,
  add: (faceId: number, personId: number, embedding: Float32Array) => void,
): Float32Array[] {
  const identities: Float32Array[] = [];
  for (let i = 0; i < faces; i++) {
    if (i % FACES_PER_PERSON === 0) identities.push(jitter(real[identities.length % real.length]!, PERSON_SIGMA, random));
    add(i + 1, identities.length, jitter(identities[identities.length - 1]!, FACE_SIGMA, random));
  }
  return identities;
}

/** New faces of the synthetic people. */
export function syntheticQueries(identities: readonly Float32Array[], count: number, random: () => number): Float32Array[] {
  return Array.from({ length: count }, () => jitter(identities[Math.floor(random() * identities.length)]!, FACE_SIGMA, random));
}

/** Faces of people not in the library: new synthetic identities from the real faces. */
export function unknownQueries(real: readonly Float32Array[], count: number, random: () => number): Float32Array[] {
  return Array.from({ length: count }, () => jitter(jitter(real[Math.floor(random() * real.length)]!, PERSON_SIGMA, random), FACE_SIGMA, random));
}
