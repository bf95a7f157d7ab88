import type { Landmarks5 } from '../../common/geometry.js';

/** Float32 vectors stored as little-endian BLOBs (x86 and ARM are little-endian; no byte swapping needed). */
export function floatsToBlob(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

export function blobToFloats(blob: Buffer): Float32Array {
  // Copy: the BLOB's buffer may be shared and is not necessarily 4-byte aligned.
  const out = new Float32Array(blob.byteLength / 4);
  new Uint8Array(out.buffer).set(blob);
  return out;
}

/** The five landmarks, stored as ten float32 values (x0, y0, ... x4, y4). */
export function blobToLandmarks(blob: Buffer): Landmarks5 {
  const l = blobToFloats(blob);
  return [0, 1, 2, 3, 4].map((k) => [l[2 * k]!, l[2 * k + 1]!] as const) as unknown as Landmarks5;
}
