import { describe, expect, it } from 'vitest';
import type { Detection } from '../../src-main/common/face.js';
import type { Landmarks5, Point } from '../../src-main/common/geometry.js';
import type { RgbImage } from '../../src-main/common/raster.js';
import {
  QUALITY_WEIGHTS,
  combineQuality,
  estimateHeadPose,
  exposureScore,
  laplacianVariance,
  measureFaceQuality,
  poseScore,
  rgbToGrey,
  sharpnessScore,
  sizeScore,
} from '../../src-main/common/face-quality.js';
import { applyAffineToPoints, similarityFromParams } from '../../src-main/common/similarity-transform.js';
import { gaussianBlur } from '../support/blur.js';

const DLIB_TEMPLATE: Landmarks5 = [
  [47.5492, 46.599],
  [100.4761, 46.599],
  [74.0127, 76.5625],
  [50.4149, 103.0233],
  [97.6104, 103.0233],
];

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A synthetic 150 x 150 "face chip": skin ellipse with fine texture, dark eyes, nose shadow, mouth, on grey. */
function syntheticFaceChip(size = 150): RgbImage {
  const rand = rng(42);
  const data = new Uint8Array(size * size * 3);
  const s = size / 150;
  const inEllipse = (x: number, y: number, cx: number, cy: number, rx: number, ry: number): boolean =>
    ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let rgb = [90, 95, 100];
      if (inEllipse(x, y, 74 * s, 78 * s, 52 * s, 68 * s)) rgb = [205, 165, 140];
      for (const ex of [47.5, 100.5]) {
        if (inEllipse(x, y, ex * s, 46.6 * s, 10 * s, 5 * s)) rgb = [235, 235, 235];
        if (inEllipse(x, y, ex * s, 46.6 * s, 4 * s, 4 * s)) rgb = [40, 30, 25];
        if (inEllipse(x, y, ex * s, 36 * s, 13 * s, 2.5 * s)) rgb = [70, 50, 40]; // eyebrow
      }
      if (inEllipse(x, y, 74 * s, 77 * s, 7 * s, 4 * s)) rgb = [150, 110, 95];
      if (inEllipse(x, y, 74 * s, 103 * s, 23 * s, 4 * s)) rgb = [160, 70, 70];
      const texture = (rand() - 0.5) * 24; // pores, noise: the fine detail a sharp photo keeps
      for (let c = 0; c < 3; c++) data[(y * size + x) * 3 + c] = Math.min(255, Math.max(0, rgb[c]! + texture));
    }
  }
  return { data, width: size, height: size };
}


/** A frontal face's landmarks in a photo: the dlib template scaled so the eyes are `eyeDistance` apart. */
function frontal(eyeDistance = 120, offset: Point = [400, 300]): Landmarks5 {
  const k = eyeDistance / (DLIB_TEMPLATE[1][0] - DLIB_TEMPLATE[0][0]);
  return applyAffineToPoints(similarityFromParams(k, 0, offset[0], offset[1]), DLIB_TEMPLATE) as unknown as Landmarks5;
}

/**
 * Landmarks of a generic 3-D face (x right, y down, z towards the camera; eye distance 2) turned by `yawDeg`
 * about the vertical axis (positive: the face turns towards image-right) and projected orthographically.
 */
function turned(yawDeg: number, scale = 60): Landmarks5 {
  const model: [number, number, number][] = [
    [-1, 0, -0.75],
    [1, 0, -0.75],
    [0, 0.6, 0],
    [-0.85, 1.15, -0.6],
    [0.85, 1.15, -0.6],
  ];
  const t = (yawDeg * Math.PI) / 180;
  return model.map(([x, y, z]) => [400 + scale * (x * Math.cos(t) + z * Math.sin(t)), 300 + scale * y] as const) as unknown as Landmarks5;
}

function detection(landmarks: Landmarks5, score = 0.99): Detection {
  const xs = landmarks.map((p) => p[0]);
  const ys = landmarks.map((p) => p[1]);
  return {
    box: [Math.min(...xs) - 20, Math.min(...ys) - 40, Math.max(...xs) + 20, Math.max(...ys) + 30],
    score,
    landmarks,
  };
}

describe('face quality', () => {
  it('fills every field within range', () => {
    const q = measureFaceQuality(detection(frontal(120)), syntheticFaceChip(), 0.5);
    for (const key of ['sharpness', 'size', 'detectorScore', 'pose', 'exposure', 'overall'] as const) {
      expect(q[key]).toBeGreaterThanOrEqual(0);
      expect(q[key]).toBeLessThanOrEqual(1);
    }
    expect(Number.isFinite(q.yawDeg)).toBe(true);
    expect(Number.isFinite(q.rollDeg)).toBe(true);
    expect(q.eyeDistancePx).toBeCloseTo(120, 6);
    expect(q.detectorScore).toBeCloseTo(0.99, 9);
    expect(q.size).toBe(1);
    expect(Math.abs(q.yawDeg)).toBeLessThan(2);
    expect(Math.abs(q.rollDeg)).toBeLessThan(1e-9);
    expect(q.overall).toBeGreaterThan(0.7);
    expect(() => measureFaceQuality(detection(frontal()), syntheticFaceChip(), 0)).toThrow(RangeError);
  });

  it('scores a blurred chip lower in sharpness and overall', () => {
    const chip = syntheticFaceChip();
    const d = detection(frontal(120));
    const sharp = measureFaceQuality(d, chip, 1);
    let previous = sharp;
    for (const sigma of [1, 2, 3]) {
      const blurred = measureFaceQuality(d, gaussianBlur(chip, sigma), 1);
      expect(blurred.sharpness).toBeLessThan(previous.sharpness);
      expect(blurred.overall).toBeLessThan(previous.overall);
      // Blur changes nothing else.
      expect(blurred.pose).toBe(sharp.pose);
      expect(blurred.size).toBe(sharp.size);
      previous = blurred;
    }
    expect(sharp.sharpness).toBeGreaterThan(0.7);
    expect(previous.sharpness).toBeLessThan(0.1);
  });

  it('Laplacian variance: 0 on a flat image, large on a checkerboard', () => {
    const flat = new Float32Array(20 * 20).fill(128);
    expect(laplacianVariance(flat, 20, 20)).toBe(0);
    const checker = Float32Array.from({ length: 400 }, (_, i) => (((i % 20) + Math.floor(i / 20)) % 2) * 255);
    expect(laplacianVariance(checker, 20, 20)).toBeGreaterThan(100_000);
    expect(rgbToGrey({ data: Uint8Array.from([255, 255, 255, 0, 0, 0]), width: 2, height: 1 })[0]).toBeCloseTo(255, 3);
  });

  it('a frontal face has a smaller |yaw| than a turned one, with the sign of the turn', () => {
    const front = estimateHeadPose(frontal());
    expect(Math.abs(front.yawDeg)).toBeLessThan(2);
    expect(Math.abs(estimateHeadPose(turned(0)).yawDeg)).toBeLessThan(1e-9);
    let previous = 0;
    for (const yaw of [15, 30, 45, 60]) {
      const right = estimateHeadPose(turned(yaw));
      const left = estimateHeadPose(turned(-yaw));
      expect(right.yawDeg).toBeGreaterThan(previous);
      expect(Math.abs(right.yawDeg - yaw)).toBeLessThan(10);
      expect(left.yawDeg).toBeCloseTo(-right.yawDeg, 9);
      expect(Math.abs(right.rollDeg)).toBeLessThan(1e-9);
      previous = right.yawDeg;
    }
    const chip = syntheticFaceChip();
    const q0 = measureFaceQuality(detection(turned(0)), chip, 1);
    const q40 = measureFaceQuality(detection(turned(40)), chip, 1);
    expect(q40.pose).toBeLessThan(q0.pose);
    expect(q40.overall).toBeLessThan(q0.overall);
  });

  it('measures roll from the eye line, independent of yaw', () => {
    for (const roll of [-30, -10, 5, 20, 45]) {
      const t = (roll * Math.PI) / 180;
      // Rotate the frontal landmarks by `roll` degrees about their centre (clockwise on screen for roll > 0).
      const base = frontal();
      const rotated = applyAffineToPoints(
        similarityFromParams(1, t, 400 - 400 * Math.cos(t) + 300 * Math.sin(t), 300 - 400 * Math.sin(t) - 300 * Math.cos(t)),
        base,
      ) as unknown as Landmarks5;
      const pose = estimateHeadPose(rotated);
      expect(pose.rollDeg).toBeCloseTo(roll, 6);
      expect(pose.yawDeg).toBeCloseTo(estimateHeadPose(base).yawDeg, 6);
      // Roll of a turned face too.
      const turnedRolled = applyAffineToPoints(similarityFromParams(1, t, 0, 0), turned(30)) as unknown as Landmarks5;
      expect(estimateHeadPose(turnedRolled).rollDeg).toBeCloseTo(roll, 6);
      expect(estimateHeadPose(turnedRolled).yawDeg).toBeCloseTo(estimateHeadPose(turned(30)).yawDeg, 6);
    }
    expect(poseScore(0, 0)).toBe(1);
    expect(poseScore(0, 30)).toBeLessThan(1);
    expect(poseScore(45, 0)).toBeCloseTo(0.5, 9);
    expect(poseScore(90, 0)).toBeCloseTo(0, 9);
    expect(poseScore(0, 180)).toBeCloseTo(0, 9);
  });

  it('scores size from the eye distance in upright pixels', () => {
    expect(sizeScore(5)).toBe(0);
    expect(sizeScore(35)).toBeCloseTo(0.5, 9);
    expect(sizeScore(60)).toBe(1);
    expect(sizeScore(400)).toBe(1);
    const chip = syntheticFaceChip();
    const small = measureFaceQuality(detection(frontal(25)), chip, 1);
    const big = measureFaceQuality(detection(frontal(100)), chip, 1);
    expect(small.eyeDistancePx).toBeCloseTo(25, 6);
    expect(small.size).toBeLessThan(big.size);
    expect(small.overall).toBeLessThan(big.overall);
  });

  it('scores dark, bright and clipped chips lower in exposure', () => {
    const chip = syntheticFaceChip();
    const d = detection(frontal());
    const normal = measureFaceQuality(d, chip, 1);
    const dark = measureFaceQuality(d, { ...chip, data: chip.data.map((v) => Math.round(v * 0.15)) }, 1);
    const bright = measureFaceQuality(d, { ...chip, data: chip.data.map((v) => Math.min(255, v * 3)) }, 1);
    expect(normal.exposure).toBeGreaterThan(0.9);
    expect(dark.exposure).toBeLessThan(0.5);
    expect(bright.exposure).toBeLessThan(0.5);
    expect(dark.overall).toBeLessThan(normal.overall);
    expect(bright.overall).toBeLessThan(normal.overall);
    expect(exposureScore(128, 0)).toBe(1);
    expect(exposureScore(128, 0.5)).toBe(0);
  });

  it('combines the parts with a weighted geometric mean', () => {
    expect(Object.values(QUALITY_WEIGHTS).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const all = { sharpness: 0.8, size: 0.8, detectorScore: 0.8, pose: 0.8, exposure: 0.8 };
    expect(combineQuality(all)).toBeCloseTo(0.8, 12);
    expect(combineQuality({ ...all, pose: 0 })).toBe(0);
    expect(combineQuality({ ...all, sharpness: 0.1 })).toBeCloseTo(0.8 ** 0.7 * 0.1 ** 0.3, 12);
    expect(sharpnessScore(0)).toBe(0);
    expect(sharpnessScore(100)).toBeCloseTo(0.5, 12);
    expect(sharpnessScore(1e6)).toBeGreaterThan(0.99);
  });
});
