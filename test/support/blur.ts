import type { RgbImage } from '../../src-main/common/raster.js';

/** Separable Gaussian blur of an RGB image, edges clamped: a deliberately blurred copy for quality tests. */
export function gaussianBlur(image: RgbImage, sigma: number): RgbImage {
  const { width: w, height: h, data } = image;
  const r = Math.ceil(sigma * 3);
  const kernel = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const k = kernel.map((v) => v / total);
  const tmp = new Float32Array(data.length);
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    let a = 0;
    for (let i = -r; i <= r; i++) a += k[i + r]! * data[(y * w + Math.min(w - 1, Math.max(0, x + i))) * 3 + c]!;
    tmp[(y * w + x) * 3 + c] = a;
  }
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    let a = 0;
    for (let i = -r; i <= r; i++) a += k[i + r]! * tmp[(Math.min(h - 1, Math.max(0, y + i)) * w + x) * 3 + c]!;
    out[(y * w + x) * 3 + c] = Math.round(a);
  }
  return { data: out, width: w, height: h };
}
