import type { Detection, FaceQuality } from './face.js';
import type { Landmarks5 } from './geometry.js';
import type { RgbImage } from './raster.js';

/**
 * Face quality: how useful one detected face is for recognition and as a thumbnail. Pure code (no Node).
 *
 * Parts, each in [0, 1]:
 * - sharpness = V / (V + SHARPNESS_HALF), V = variance of the 4-neighbour Laplacian of the aligned chip's grey
 *   values (0..255) over the chip's central 60 % (each side). The chip has a fixed size, so V is comparable across face sizes;
 *   a small face upsampled into the chip is blurry, and scores low, as it should.
 * - size = clamp01((d − SIZE_MIN_EYE_PX) / (SIZE_FULL_EYE_PX − SIZE_MIN_EYE_PX)), d = inter-ocular distance in
 *   upright-photo pixels.
 * - detectorScore = the detector's confidence.
 * - pose = cos²(yaw) · (1 + cos(roll)) / 2, roll from the eye line, yaw from the nose's offset from the eyes' and
 *   mouth's midline (see estimateHeadPose).
 * - exposure = brightness(mean grey) · (1 − min(1, clipped / EXPOSURE_CLIP_LIMIT)).
 * overall = weighted geometric mean Π partᵢ^wᵢ (weights QUALITY_WEIGHTS, sum 1): any very bad part pulls it down.
 */

/**
 * Laplacian variance at which sharpness is 0.5. Calibrated on 150 px dlib chips of the 61 identity photos (decoded
 * at a 1024 px long side): sharp faces gave V = 200..4800 (median 890), the same chips blurred with a Gaussian of
 * sigma 0.7 / 1 / 1.5 / 2 px gave medians 140 / 56 / 19 / 9. So 100 is about a sigma-0.8 blur.
 */
export const SHARPNESS_HALF = 100;
/** Inter-ocular distance (upright pixels) at or below which size is 0, and at or above which it is 1. */
export const SIZE_MIN_EYE_PX = 10;
export const SIZE_FULL_EYE_PX = 60;
/** Mean grey in [EXPOSURE_GOOD_LOW, EXPOSURE_GOOD_HIGH] scores 1, falling linearly to 0 at 0 and at 255. */
export const EXPOSURE_GOOD_LOW = 70;
export const EXPOSURE_GOOD_HIGH = 190;
/** A grey value at or below / at or above these counts as clipped. */
export const CLIP_DARK = 8;
export const CLIP_BRIGHT = 247;
/** Fraction of clipped pixels at which exposure becomes 0. */
export const EXPOSURE_CLIP_LIMIT = 0.5;
/**
 * Nose-tip depth in front of the eye (and mouth-corner) plane, relative to half the inter-ocular (half the
 * mouth) width, from a generic 3-D face; ratio r = offset / half-width gives yaw = atan(r / NOSE_DEPTH_RATIO).
 */
export const NOSE_DEPTH_RATIO = 0.8;
/** The chip's central region where sharpness and exposure are measured: this margin (fraction) on every side. */
export const CHIP_MARGIN = 0.2;

export const QUALITY_WEIGHTS = {
  sharpness: 0.3,
  size: 0.15,
  detectorScore: 0.1,
  pose: 0.3,
  exposure: 0.15,
} as const;

function clamp01(x: number): number {
  return x <= 0 ? 0 : x >= 1 ? 1 : Number.isNaN(x) ? 0 : x;
}

/** Grey values (ITU-R BT.601 luma, 0..255, float) of an RGB image. */
export function rgbToGrey(image: RgbImage): Float32Array {
  const n = image.width * image.height;
  const grey = new Float32Array(n);
  const d = image.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) grey[i] = 0.299 * d[j]! + 0.587 * d[j + 1]! + 0.114 * d[j + 2]!;
  return grey;
}

/** A rectangle of pixels [x0, x1) x [y0, y1). */
export interface PixelRegion {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** The central region of a width x height chip, leaving `margin` (a fraction of the size) on every side. */
export function centralRegion(width: number, height: number, margin = CHIP_MARGIN): PixelRegion {
  return {
    x0: Math.round(width * margin),
    y0: Math.round(height * margin),
    x1: Math.round(width * (1 - margin)),
    y1: Math.round(height * (1 - margin)),
  };
}

/**
 * Variance of the 4-neighbour Laplacian (4·g − up − down − left − right) of `grey` (row-major, `width` wide) over
 * the pixels of `region` whose four neighbours are inside the image.
 */
export function laplacianVariance(grey: ArrayLike<number>, width: number, height: number, region?: PixelRegion): number {
  const x0 = Math.max(1, region?.x0 ?? 1);
  const y0 = Math.max(1, region?.y0 ?? 1);
  const x1 = Math.min(width - 1, region?.x1 ?? width - 1);
  const y1 = Math.min(height - 1, region?.y1 ?? height - 1);
  let n = 0, sum = 0, sum2 = 0;
  for (let y = y0; y < y1; y++) {
    let i = y * width + x0;
    for (let x = x0; x < x1; x++, i++) {
      const l = 4 * grey[i]! - grey[i - 1]! - grey[i + 1]! - grey[i - width]! - grey[i + width]!;
      sum += l;
      sum2 += l * l;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return Math.max(0, sum2 / n - mean * mean);
}

/** Mean grey and the fraction of clipped (≤ CLIP_DARK or ≥ CLIP_BRIGHT) pixels over `region`. */
export function greyStatistics(
  grey: ArrayLike<number>,
  width: number,
  height: number,
  region?: PixelRegion,
): { mean: number; clipped: number } {
  const x0 = Math.max(0, region?.x0 ?? 0);
  const y0 = Math.max(0, region?.y0 ?? 0);
  const x1 = Math.min(width, region?.x1 ?? width);
  const y1 = Math.min(height, region?.y1 ?? height);
  let n = 0, sum = 0, clipped = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0, i = y * width + x0; x < x1; x++, i++) {
      const g = grey[i]!;
      sum += g;
      if (g <= CLIP_DARK || g >= CLIP_BRIGHT) clipped++;
      n++;
    }
  }
  return n === 0 ? { mean: 0, clipped: 1 } : { mean: sum / n, clipped: clipped / n };
}

/** Laplacian variance mapped to [0, 1): V / (V + SHARPNESS_HALF) (a logistic curve in log V). */
export function sharpnessScore(laplacianVar: number): number {
  const v = Math.max(0, laplacianVar);
  return Number.isFinite(v) ? clamp01(v / (v + SHARPNESS_HALF)) : v > 0 ? 1 : 0;
}

export function sizeScore(eyeDistancePx: number): number {
  return clamp01((eyeDistancePx - SIZE_MIN_EYE_PX) / (SIZE_FULL_EYE_PX - SIZE_MIN_EYE_PX));
}

/** Brightness (mean grey, 0..255) and clipped fraction mapped to [0, 1]. */
export function exposureScore(meanGrey: number, clippedFraction: number): number {
  const brightness =
    meanGrey < EXPOSURE_GOOD_LOW
      ? meanGrey / EXPOSURE_GOOD_LOW
      : meanGrey > EXPOSURE_GOOD_HIGH
        ? (255 - meanGrey) / (255 - EXPOSURE_GOOD_HIGH)
        : 1;
  return clamp01(brightness) * clamp01(1 - clippedFraction / EXPOSURE_CLIP_LIMIT);
}

export interface HeadPose {
  /** Degrees, 0 = frontal; positive when the face turns towards image-right (the nose moves right). */
  readonly yawDeg: number;
  /** Degrees: the eye line's angle to the horizontal, positive = clockwise on screen (right eye lower). */
  readonly rollDeg: number;
}

/**
 * Roll and yaw from the five landmarks (any pixel frame; angles do not depend on the scale).
 * Roll = atan2 of the eye line. For yaw the landmarks are first rotated by −roll; then
 * r_eyes = (nose.x − eye midpoint.x) / (half the eye distance) and r_mouth likewise with the mouth corners;
 * r = mean of the two, and yaw = atan(r / NOSE_DEPTH_RATIO): a nose tip NOSE_DEPTH_RATIO half-widths in front of
 * the eye plane moves by depth·sin(yaw) while the half-width shrinks to half-width·cos(yaw).
 */
export function estimateHeadPose(landmarks: Landmarks5): HeadPose {
  const [le, re, nose, lm, rm] = landmarks;
  const roll = Math.atan2(re[1] - le[1], re[0] - le[0]);
  const c = Math.cos(-roll), s = Math.sin(-roll);
  const rx = (p: readonly [number, number]): number => c * p[0] - s * p[1];
  const leX = rx(le), reX = rx(re), noseX = rx(nose), lmX = rx(lm), rmX = rx(rm);
  const ratios: number[] = [];
  const halfEyes = (reX - leX) / 2;
  if (halfEyes > 1e-9) ratios.push((noseX - (leX + reX) / 2) / halfEyes);
  const halfMouth = (rmX - lmX) / 2;
  if (halfMouth > 1e-9) ratios.push((noseX - (lmX + rmX) / 2) / halfMouth);
  const r = ratios.length ? ratios.reduce((a, b) => a + b, 0) / ratios.length : 0;
  const yaw = Math.atan(r / NOSE_DEPTH_RATIO);
  return { yawDeg: (yaw * 180) / Math.PI, rollDeg: (roll * 180) / Math.PI };
}

/** cos²(yaw) · (1 + cos(roll)) / 2: 1 for frontal upright faces, 0.5 at 45° yaw, 0 in profile or upside down. */
export function poseScore(yawDeg: number, rollDeg: number): number {
  const cy = Math.cos((yawDeg * Math.PI) / 180);
  return clamp01(cy * cy * (1 + Math.cos((rollDeg * Math.PI) / 180)) / 2);
}

/** Weighted geometric mean of the parts (weights QUALITY_WEIGHTS, summing to 1). */
export function combineQuality(parts: {
  sharpness: number;
  size: number;
  detectorScore: number;
  pose: number;
  exposure: number;
}): number {
  let logSum = 0;
  for (const [key, w] of Object.entries(QUALITY_WEIGHTS) as [keyof typeof QUALITY_WEIGHTS, number][]) {
    const p = clamp01(parts[key]);
    if (p === 0) return 0;
    logSum += w * Math.log(p);
  }
  return clamp01(Math.exp(logSum));
}

/**
 * Measures a face's quality.
 * - `detection`: box, score and landmarks in upright-photo pixels (full resolution, EXIF orientation applied), as
 *   stored in AnalysedFace; only the landmarks (eye distance, pose) and the score are used.
 * - `chip`: the aligned face chip the recognizer saw (any square size; measured over its central 60 %).
 * - `imageScale`: decoded pixels per upright pixel (DecodedPhoto.scale, ≤ 1), i.e. the resolution the chip was cut
 *   from. It does not change the score: sharpness is measured on the chip, which already shows the decoded
 *   resolution, and size uses upright pixels. It is checked (finite, > 0) and kept for callers' bookkeeping.
 */
export function measureFaceQuality(detection: Detection, chip: RgbImage, imageScale: number): FaceQuality {
  if (!(imageScale > 0) || !Number.isFinite(imageScale)) throw new RangeError(`bad image scale ${imageScale}`);
  const [le, re] = detection.landmarks;
  const eyeDistancePx = Math.hypot(re[0] - le[0], re[1] - le[1]);
  const grey = rgbToGrey(chip);
  const region = centralRegion(chip.width, chip.height);
  const sharpness = sharpnessScore(laplacianVariance(grey, chip.width, chip.height, region));
  const { mean, clipped } = greyStatistics(grey, chip.width, chip.height, region);
  const exposure = exposureScore(mean, clipped);
  const { yawDeg, rollDeg } = estimateHeadPose(detection.landmarks);
  const pose = poseScore(yawDeg, rollDeg);
  const size = sizeScore(eyeDistancePx);
  const detectorScore = clamp01(detection.score);
  const overall = combineQuality({ sharpness, size, detectorScore, pose, exposure });
  return { sharpness, eyeDistancePx, size, detectorScore, yawDeg, rollDeg, pose, exposure, overall };
}
