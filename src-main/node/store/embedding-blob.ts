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
