import sharp from 'sharp';
import type { RgbImage } from '../../common/raster.js';

/** Brightness statistics of an image's luma (Rec. 601 weights, 0..255), from a subsample of its pixels. */
export interface LumaStats {
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/** Every `LUMA_SAMPLE_STEP`-th pixel in x and y is sampled: 1/16 of the pixels, plenty for a histogram. */
export const LUMA_SAMPLE_STEP = 4;

export function lumaStats(image: RgbImage, step = LUMA_SAMPLE_STEP): LumaStats {
  const { width, height, data } = image;
  const hist = new Uint32Array(256);
  let sum = 0;
  let n = 0;
  for (let y = 0; y < height; y += step) {
    let i = y * width * 3;
    const rowEnd = i + width * 3;
    for (; i < rowEnd; i += 3 * step) {
      // 0.299 R + 0.587 G + 0.114 B in fixed point.
      const l = (77 * data[i]! + 150 * data[i + 1]! + 29 * data[i + 2]! + 128) >> 8;
      hist[l]!++;
      sum += l;
      n++;
    }
  }
  if (n === 0) return { mean: 0, p50: 0, p95: 0, p99: 0 };
  const percentile = (q: number): number => {
    const target = q * n;
    let acc = 0;
    for (let v = 0; v < 256; v++) {
      acc += hist[v]!;
      if (acc >= target) return v;
    }
    return 255;
  };
  return { mean: sum / n, p50: percentile(0.5), p95: percentile(0.95), p99: percentile(0.99) };
}

/**
 * A photo is low-light when 95 % of its pixels have a luma under LOW_LIGHT_P95_LUMA (of 255): nearly black
 * throughout, with no exposed part (a dark stage with a lit face is not low-light: the face is exposed). Only there
 * did the enhancement find more faces in bench/low-light.ts; on merely dark photos (10-20 % exposure, gamma 2.5-3)
 * the detectors find every face unaided and the enhancement only adds false positives.
 */
export const LOW_LIGHT_P95_LUMA = 32;

export function isLowLight(image: RgbImage, stats: LumaStats = lumaStats(image)): boolean {
  return stats.p95 < LOW_LIGHT_P95_LUMA;
}

/** How a low-light photo is brightened before detection. */
export interface EnhanceOptions {
  /**
   * 'tiled-clahe' (default): tiled CLAHE of the luma, applied to R, G and B as one gain per pixel (keeps hue);
   * 'tiled-clahe-rgb': tiled CLAHE of each band; 'sharp-clahe': sharp's clahe (libvips hist_local, a sliding
   * window per band: same effect, 40-100x slower); 'gain': one global gain putting the 99th luma percentile at
   * GAIN_TARGET_LUMA, then a gamma of 1 / GAIN_GAMMA.
   */
  readonly method?: 'tiled-clahe' | 'tiled-clahe-rgb' | 'sharp-clahe' | 'gain';
  /** Tiles per side (tiled methods). */
  readonly grid?: number;
  /** sharp-clahe: the window as a fraction of the image's width and height. */
  readonly windowFraction?: number;
  /** Contrast limit: the most a histogram bin may hold, in multiples of the mean bin count (0 = no limit). */
  readonly maxSlope?: number;
}

/** Chosen by bench/low-light.ts (see the README, "Low light"). */
export const CLAHE_GRID = 8;
export const CLAHE_MAX_SLOPE = 3;
export const SHARP_CLAHE_WINDOW_FRACTION = 1 / 16;
export const GAIN_TARGET_LUMA = 230;
export const GAIN_GAMMA = 1.8;

/**
 * Contrast-limited adaptive histogram equalisation of one 8-bit plane on a grid of `grid` x `grid` tiles
 * (Zuiderveld; what OpenCV's createCLAHE does): one clipped, equalised histogram per tile, each pixel mapped
 * through the bilinear blend of its four nearest tiles' mappings. `clipSlope`: a bin may hold at most this many
 * times the tile's mean bin count, the excess is spread over all bins (0 = no limit). O(pixels).
 */
export function equalisePlane(plane: Uint8Array, width: number, height: number, grid: number, clipSlope: number): Uint8Array {
  const gx = Math.max(1, Math.min(grid, width));
  const gy = Math.max(1, Math.min(grid, height));
  const tw = Math.ceil(width / gx);
  const th = Math.ceil(height / gy);
  const luts = new Float32Array(gx * gy * 256);
  const hist = new Uint32Array(256);
  for (let ty = 0; ty < gy; ty++) {
    for (let tx = 0; tx < gx; tx++) {
      hist.fill(0);
      const x0 = tx * tw;
      const y0 = ty * th;
      const x1 = Math.min(x0 + tw, width);
      const y1 = Math.min(y0 + th, height);
      if (x1 <= x0 || y1 <= y0) continue;
      const area = (x1 - x0) * (y1 - y0);
      for (let y = y0; y < y1; y++) {
        for (let p = y * width + x0, end = y * width + x1; p < end; p++) hist[plane[p]!]!++;
      }
      if (clipSlope > 0) {
        const limit = Math.max(1, Math.floor((clipSlope * area) / 256));
        let excess = 0;
        for (let v = 0; v < 256; v++) {
          const h = hist[v]!;
          if (h > limit) {
            excess += h - limit;
            hist[v] = limit;
          }
        }
        const each = Math.floor(excess / 256);
        let rest = excess - each * 256;
        if (each > 0) for (let v = 0; v < 256; v++) hist[v]! += each;
        if (rest > 0) {
          const step = Math.max(1, Math.floor(256 / rest));
          for (let v = 0; v < 256 && rest > 0; v += step, rest--) hist[v]!++;
        }
      }
      const base = (ty * gx + tx) * 256;
      const k = 255 / area;
      let acc = 0;
      for (let v = 0; v < 256; v++) {
        acc += hist[v]!;
        luts[base + v] = acc * k;
      }
    }
  }
  // Per column: the two tiles to blend and the weight of the right one; the same per row.
  const cx0 = new Int32Array(width);
  const cx1 = new Int32Array(width);
  const cwx = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const f = (x + 0.5) / tw - 0.5;
    const t0 = Math.max(0, Math.min(gx - 1, Math.floor(f)));
    cx0[x] = t0 * 256;
    cx1[x] = Math.min(gx - 1, t0 + 1) * 256;
    cwx[x] = Math.max(0, Math.min(1, f - t0));
  }
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const f = (y + 0.5) / th - 0.5;
    const t0 = Math.max(0, Math.min(gy - 1, Math.floor(f)));
    const r0 = t0 * gx * 256;
    const r1 = Math.min(gy - 1, t0 + 1) * gx * 256;
    const wy = Math.max(0, Math.min(1, f - t0));
    for (let x = 0, p = y * width; x < width; x++, p++) {
      const v = plane[p]!;
      const wx = cwx[x]!;
      const a = luts[r0 + cx0[x]! + v]!;
      const b = luts[r0 + cx1[x]! + v]!;
      const c = luts[r1 + cx0[x]! + v]!;
      const d = luts[r1 + cx1[x]! + v]!;
      const top = a + (b - a) * wx;
      out[p] = top + (c + (d - c) * wx - top) * wy + 0.5;
    }
  }
  return out;
}

/**
 * Tiled CLAHE of an RGB image. 'luma' equalises the luma and scales R, G and B by one gain per pixel (keeps hue);
 * 'rgb' equalises each band on its own, as sharp's clahe does.
 */
export function tiledClahe(image: RgbImage, grid: number, clipSlope: number, channels: 'luma' | 'rgb' = 'luma'): RgbImage {
  const { width, height, data } = image;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  if (channels === 'rgb') {
    const plane = new Uint8Array(n);
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < n; p++) plane[p] = data[p * 3 + c]!;
      const eq = equalisePlane(plane, width, height, grid, clipSlope);
      for (let p = 0; p < n; p++) out[p * 3 + c] = eq[p]!;
    }
    return { data: out, width, height };
  }
  const luma = new Uint8Array(n);
  for (let p = 0, i = 0; p < n; p++, i += 3) luma[p] = (77 * data[i]! + 150 * data[i + 1]! + 29 * data[i + 2]! + 128) >> 8;
  const eq = equalisePlane(luma, width, height, grid, clipSlope);
  // gain[before][after] would be 64 K entries; a division per pixel is as fast.
  for (let p = 0, i = 0; p < n; p++, i += 3) {
    const gain = (eq[p]! + 1) / (luma[p]! + 1);
    out[i] = Math.min(255, data[i]! * gain + 0.5);
    out[i + 1] = Math.min(255, data[i + 1]! * gain + 0.5);
    out[i + 2] = Math.min(255, data[i + 2]! * gain + 0.5);
  }
  return { data: out, width, height };
}

function fromBuffer(data: Buffer, width: number, height: number): RgbImage {
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
}

/** A brightened copy of `image` for the detector only (never shown or stored). */
export async function enhanceForDetection(image: RgbImage, options: EnhanceOptions = {}): Promise<RgbImage> {
  const method = options.method ?? 'tiled-clahe';
  const slope = options.maxSlope ?? CLAHE_MAX_SLOPE;
  const { width, height, data } = image;
  switch (method) {
    case 'tiled-clahe':
    case 'tiled-clahe-rgb':
      return tiledClahe(image, options.grid ?? CLAHE_GRID, slope, method === 'tiled-clahe' ? 'luma' : 'rgb');
    case 'sharp-clahe': {
      const f = options.windowFraction ?? SHARP_CLAHE_WINDOW_FRACTION;
      const out = await sharp(data, { raw: { width, height, channels: 3 } })
        .clahe({ width: Math.max(3, Math.round(width * f)), height: Math.max(3, Math.round(height * f)), maxSlope: slope })
        .raw()
        .toBuffer();
      return fromBuffer(out, width, height);
    }
    case 'gain': {
      const { p99 } = lumaStats(image);
      const gain = GAIN_TARGET_LUMA / Math.max(p99, 1);
      const lut = new Uint8Array(256);
      for (let v = 0; v < 256; v++) lut[v] = Math.round(255 * Math.pow(Math.min(1, (v * gain) / 255), 1 / GAIN_GAMMA));
      const out = new Uint8Array(data.length);
      for (let i = 0; i < out.length; i++) out[i] = lut[data[i]!]!;
      return { data: out, width, height };
    }
  }
}

/**
 * Whether the detector sees low-light photos enhanced (tiled CLAHE). On: on very dark photos it finds faces the
 * detectors miss (RetinaFace 39 -> 43 and 30 -> 42 of 43 on copies darkened to 10 % and 7 %, YuNet 33 -> 41 and
 * 8 -> 42), costs 5-20 ms on the photos it applies to, and no normal photo of the shared sets is taken for
 * low-light. See bench/low-light.ts.
 */
export const LOW_LIGHT_ENHANCEMENT = true;

/** The image the detector should see: `image` itself, or an enhanced copy when enabled and the photo is low-light. */
export async function prepareForDetection(image: RgbImage, enabled = LOW_LIGHT_ENHANCEMENT): Promise<RgbImage> {
  if (!enabled || !isLowLight(image)) return image;
  return enhanceForDetection(image);
}
