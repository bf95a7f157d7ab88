/** An 8-bit RGB image, pixels interleaved row by row (R, G, B, R, G, B, ...), no padding. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export function createRgbImage(width: number, height: number): RgbImage {
  return { data: new Uint8Array(width * height * 3), width, height };
}

/** Copies the pixels of [x, y, x + width, y + height) (clamped to the image) into a new image. */
export function cropRgbImage(image: RgbImage, x: number, y: number, width: number, height: number): RgbImage {
  const left = Math.max(0, Math.min(image.width - 1, Math.floor(x)));
  const top = Math.max(0, Math.min(image.height - 1, Math.floor(y)));
  const w = Math.max(1, Math.min(image.width - left, Math.round(width)));
  const h = Math.max(1, Math.min(image.height - top, Math.round(height)));
  const out = createRgbImage(w, h);
  for (let row = 0; row < h; row++) {
    const from = ((top + row) * image.width + left) * 3;
    out.data.set(image.data.subarray(from, from + w * 3), row * w * 3);
  }
  return out;
}
