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
 * A photo is low-light when both its mean luma is under LOW_LIGHT_MEAN_LUMA and its 95th percentile under
 * LOW_LIGHT_P95_LUMA: dark overall, with no large bright part (a dark stage with a lit face is not low-light: the
 * face is exposed). See bench/low-light.ts for how the numbers were chosen.
 */
export const LOW_LIGHT_MEAN_LUMA = 50;
export const LOW_LIGHT_P95_LUMA = 110;

export function isLowLight(image: RgbImage, stats: LumaStats = lumaStats(image)): boolean {
  return stats.mean < LOW_LIGHT_MEAN_LUMA && stats.p95 < LOW_LIGHT_P95_LUMA;
}

/** How a low-light photo is brightened before detection. */
export interface EnhanceOptions {
  /**
   * 'clahe': sharp's CLAHE (libvips hist_local) on each of R, G and B; 'clahe-luma': CLAHE on the luma, applied to
   * R, G and B as one gain per pixel (keeps hue); 'gain': one global gain putting the 99th luma percentile at
   * GAIN_TARGET_LUMA, then a gamma of 1 / GAIN_GAMMA.
   */
  readonly method?: 'clahe' | 'clahe-luma' | 'gain';
  /** CLAHE window as a fraction of the image's width and height. */
  readonly windowFraction?: number;
  /** CLAHE contrast limit (libvips max_slope, 0-100; 0 = none). */
  readonly maxSlope?: number;
}

export const CLAHE_WINDOW_FRACTION = 1 / 8;
export const CLAHE_MAX_SLOPE = 3;
export const GAIN_TARGET_LUMA = 230;
export const GAIN_GAMMA = 1.8;
export const DEFAULT_ENHANCE_METHOD = 'clahe' as const;

function clahe(width: number, height: number, windowFraction: number, maxSlope: number) {
  return {
    width: Math.max(3, Math.round(width * windowFraction)),
    height: Math.max(3, Math.round(height * windowFraction)),
    maxSlope,
  };
}

function fromBuffer(data: Buffer, width: number, height: number): RgbImage {
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
}

/** A brightened copy of `image` for the detector only (never shown or stored). */
export async function enhanceForDetection(image: RgbImage, options: EnhanceOptions = {}): Promise<RgbImage> {
  const method = options.method ?? DEFAULT_ENHANCE_METHOD;
  const { width, height, data } = image;
  const raw = { raw: { width, height, channels: 3 as const } };
  const c = clahe(width, height, options.windowFraction ?? CLAHE_WINDOW_FRACTION, options.maxSlope ?? CLAHE_MAX_SLOPE);
  if (method === 'clahe') {
    const out = await sharp(data, raw).clahe(c).raw().toBuffer();
    return fromBuffer(out, width, height);
  }
  const out = new Uint8Array(width * height * 3);
  if (method === 'clahe-luma') {
    const luma = await sharp(data, raw).greyscale().raw().toBuffer({ resolveWithObject: true });
    const eq = await sharp(luma.data, { raw: { width, height, channels: luma.info.channels } })
      .clahe(c)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const lc = luma.info.channels;
    const ec = eq.info.channels;
    for (let p = 0, i = 0; p < width * height; p++, i += 3) {
      const before = luma.data[p * lc]!;
      const gain = (eq.data[p * ec]! + 1) / (before + 1);
      out[i] = Math.min(255, data[i]! * gain);
      out[i + 1] = Math.min(255, data[i + 1]! * gain);
      out[i + 2] = Math.min(255, data[i + 2]! * gain);
    }
    return { data: out, width, height };
  }
  const { p99 } = lumaStats(image);
  const gain = GAIN_TARGET_LUMA / Math.max(p99, 1);
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = Math.round(255 * Math.pow(Math.min(1, (v * gain) / 255), 1 / GAIN_GAMMA));
  for (let i = 0; i < out.length; i++) out[i] = lut[data[i]!]!;
  return { data: out, width, height };
}

/**
 * Whether the detector sees low-light photos enhanced. Off: the measurement (bench/low-light.ts) did not show a
 * gain worth its cost; see the README, "Low light".
 */
export const LOW_LIGHT_ENHANCEMENT = false;

/** The image the detector should see: `image` itself, or an enhanced copy when enabled and the photo is low-light. */
export async function prepareForDetection(image: RgbImage, enabled = LOW_LIGHT_ENHANCEMENT): Promise<RgbImage> {
  if (!enabled || !isLowLight(image)) return image;
  return enhanceForDetection(image);
}
