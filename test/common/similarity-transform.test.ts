import { describe, expect, it } from 'vitest';
import type { Landmarks5, Point } from '../../src-main/common/geometry.js';
import type { RgbImage } from '../../src-main/common/raster.js';
import {
  type Affine2x3,
  affineRotation,
  affineScale,
  applyAffine,
  applyAffineToPoints,
  composeAffine,
  estimateSimilarityTransform,
  invertAffine,
  similarityFromParams,
} from '../../src-main/common/similarity-transform.js';
import { alignFace, alignmentTransform } from '../../src-main/node/vision/face-chip.js';

/** Deterministic PRNG (mulberry32). */
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

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function sumSquaredResiduals(m: Affine2x3, src: readonly Point[], dst: readonly Point[]): number {
  return src.reduce((s, p, i) => {
    const [x, y] = applyAffine(m, p);
    return s + (x - dst[i]![0]) ** 2 + (y - dst[i]![1]) ** 2;
  }, 0);
}

function angleDiff(a: number, b: number): number {
  return Math.abs(Math.atan2(Math.sin(a - b), Math.cos(a - b)));
}

const DLIB_TEMPLATE: Landmarks5 = [
  [47.5492, 46.599],
  [100.4761, 46.599],
  [74.0127, 76.5625],
  [50.4149, 103.0233],
  [97.6104, 103.0233],
];
const ARCFACE_TEMPLATE: Landmarks5 = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

describe('estimateSimilarityTransform', () => {
  it('recovers a known similarity transform exactly from noiseless points', () => {
    const rand = rng(1);
    for (let trial = 0; trial < 200; trial++) {
      const scale = 0.1 + 5 * rand();
      const rotation = (rand() * 2 - 1) * Math.PI;
      const tx = (rand() * 2 - 1) * 1000;
      const ty = (rand() * 2 - 1) * 1000;
      const truth = similarityFromParams(scale, rotation, tx, ty);
      const n = 2 + Math.floor(rand() * 8);
      const src: Point[] = Array.from({ length: n }, () => [rand() * 500, rand() * 500] as const);
      const dst = src.map((p) => applyAffine(truth, p));
      const fit = estimateSimilarityTransform(src, dst);
      for (let k = 0; k < 6; k++) expect(fit[k]).toBeCloseTo(truth[k]!, 6);
      expect(affineScale(fit)).toBeCloseTo(scale, 9);
      expect(angleDiff(affineRotation(fit), rotation)).toBeLessThan(1e-9);
      // The documented form [a, -b, tx; b, a, ty].
      expect(fit[1]).toBeCloseTo(-fit[3], 12);
      expect(fit[4]).toBeCloseTo(fit[0], 12);
    }
  });

  it('is close to the truth and optimal (least squares) with noisy points', () => {
    const rand = rng(2);
    for (let trial = 0; trial < 200; trial++) {
      const scale = 0.3 + 3 * rand();
      const rotation = (rand() * 2 - 1) * Math.PI;
      const truth = similarityFromParams(scale, rotation, rand() * 300, rand() * 300);
      // Five landmarks of a face 40..300 px wide, moved by 0.5 px noise (in the destination frame).
      const faceScale = 0.3 + 2 * rand();
      const src = DLIB_TEMPLATE.map(([x, y]) => [x * faceScale + 50, y * faceScale + 20] as const);
      const dst = src.map((p) => {
        const [x, y] = applyAffine(truth, p);
        return [x + 0.5 * gaussian(rand), y + 0.5 * gaussian(rand)] as const;
      });
      const fit = estimateSimilarityTransform(src, dst);
      const eyeDistance = 52.9 * faceScale * scale; // in destination pixels
      expect(Math.abs(affineScale(fit) / scale - 1)).toBeLessThan(4 / eyeDistance + 0.01);
      expect(angleDiff(affineRotation(fit), rotation)).toBeLessThan(4 / eyeDistance + 0.01);
      // Least squares: no worse than the true transform, and no worse than small perturbations of the fit.
      const best = sumSquaredResiduals(fit, src, dst);
      expect(best).toBeLessThanOrEqual(sumSquaredResiduals(truth, src, dst) + 1e-9);
      for (let k = 0; k < 6; k++) {
        for (const delta of [-1e-3, 1e-3]) {
          const a = fit[0] + (k === 0 ? delta : 0);
          const b = fit[3] + (k === 1 ? delta : 0);
          const perturbed: Affine2x3 = [a, -b, fit[2] + (k === 2 ? delta : 0), b, a, fit[5] + (k === 3 ? delta : 0)];
          expect(best).toBeLessThanOrEqual(sumSquaredResiduals(perturbed, src, dst) + 1e-9);
        }
      }
    }
  });

  it('never returns a reflection (Umeyama reflection fix), even for mirrored points', () => {
    const src: Point[] = DLIB_TEMPLATE.map((p) => p);
    const mirrored: Point[] = src.map(([x, y]) => [200 - x, y] as const);
    const fit = estimateSimilarityTransform(src, mirrored);
    expect(fit[0] * fit[4] - fit[1] * fit[3]).toBeGreaterThanOrEqual(0);
    // Optimal among proper similarities: compare with a dense search over rotations (scale/translation solved).
    const best = sumSquaredResiduals(fit, src, mirrored);
    for (let i = 0; i < 3600; i++) {
      const theta = (i / 3600) * 2 * Math.PI;
      for (const s of [0.05, 0.1, 0.2, 0.5, 1]) {
        const rot = similarityFromParams(s, theta, 0, 0);
        const moved = src.map((p) => applyAffine(rot, p));
        const tx = mirrored.reduce((a, p, k) => a + p[0] - moved[k]![0], 0) / src.length;
        const ty = mirrored.reduce((a, p, k) => a + p[1] - moved[k]![1], 0) / src.length;
        expect(best).toBeLessThanOrEqual(sumSquaredResiduals(similarityFromParams(s, theta, tx, ty), src, mirrored) + 1e-6);
      }
    }
  });

  it('rejects mismatched or degenerate input', () => {
    expect(() => estimateSimilarityTransform([[0, 0]], [[1, 1]])).toThrow(RangeError);
    expect(() => estimateSimilarityTransform([[0, 0], [1, 1]], [[1, 1]])).toThrow(RangeError);
    expect(() => estimateSimilarityTransform([[3, 3], [3, 3]], [[0, 0], [1, 1]])).toThrow(RangeError);
  });
});

describe('affine helpers', () => {
  it('inverts, composes and maps points', () => {
    const rand = rng(3);
    for (let trial = 0; trial < 50; trial++) {
      const m = similarityFromParams(0.2 + rand() * 4, rand() * 6, rand() * 100 - 50, rand() * 100 - 50);
      const identity = composeAffine(invertAffine(m), m);
      [1, 0, 0, 0, 1, 0].forEach((v, k) => expect(identity[k]).toBeCloseTo(v, 10));
      const pts: Point[] = [[1, 2], [30, -4], [7, 7]];
      const mapped = applyAffineToPoints(m, pts);
      expect(mapped).toHaveLength(3);
      const back = applyAffineToPoints(invertAffine(m), mapped);
      back.forEach((p, k) => {
        expect(p[0]).toBeCloseTo(pts[k]![0], 9);
        expect(p[1]).toBeCloseTo(pts[k]![1], 9);
      });
    }
    expect(() => invertAffine([1, 2, 0, 2, 4, 0])).toThrow(RangeError);
  });
});

/** An RGB image of `width` x `height`, black, with a coloured Gaussian dot at each point. */
function dotImage(width: number, height: number, points: readonly Point[], colours: readonly (readonly number[])[], sigma: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const r = Math.ceil(sigma * 4);
  points.forEach(([px, py], k) => {
    for (let y = Math.max(0, Math.floor(py - r)); y <= Math.min(height - 1, Math.ceil(py + r)); y++) {
      for (let x = Math.max(0, Math.floor(px - r)); x <= Math.min(width - 1, Math.ceil(px + r)); x++) {
        const w = Math.exp(-((x - px) ** 2 + (y - py) ** 2) / (2 * sigma * sigma));
        for (let c = 0; c < 3; c++) {
          const i = (y * width + x) * 3 + c;
          data[i] = Math.max(data[i]!, Math.round(255 * w * colours[k]![c]!));
        }
      }
    }
  });
  return { data, width, height };
}

/** Intensity-weighted centroid of channel sum within `radius` of (cx, cy). */
function centroid(img: RgbImage, cx: number, cy: number, radius: number, channels: readonly number[]): Point {
  let sw = 0, sx = 0, sy = 0;
  for (let y = Math.max(0, Math.round(cy - radius)); y <= Math.min(img.height - 1, Math.round(cy + radius)); y++) {
    for (let x = Math.max(0, Math.round(cx - radius)); x <= Math.min(img.width - 1, Math.round(cx + radius)); x++) {
      let v = 0;
      for (const c of channels) v += img.data[(y * img.width + x) * 3 + c]!;
      sw += v;
      sx += v * x;
      sy += v * y;
    }
  }
  return [sx / sw, sy / sw];
}

const COLOURS = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0, 1, 1]] as const;
const CHANNELS = [[0], [1], [2], [0, 1], [1, 2]] as const;

describe('alignFace', () => {
  for (const [name, template, chipSize] of [
    ['dlib 150', DLIB_TEMPLATE, 150],
    ['ArcFace 112', ARCFACE_TEMPLATE, 112],
  ] as const) {
    it(`moves the landmarks onto the ${name} template`, () => {
      const rand = rng(chipSize);
      for (let trial = 0; trial < 6; trial++) {
        // Place a face in a 640 x 480 image: template → image by a random similarity (scale 1..3, rotation ±40°).
        const scale = 1 + 2 * rand();
        const rotation = ((rand() * 2 - 1) * 40 * Math.PI) / 180;
        const toImage = similarityFromParams(scale, rotation, 0, 0);
        const centre = applyAffine(toImage, [chipSize / 2, chipSize / 2]);
        const placed = composeAffine([1, 0, 320 - centre[0], 0, 1, 240 - centre[1]], toImage);
        const landmarks = applyAffineToPoints(placed, template) as unknown as Landmarks5;
        const sigma = 1.5 * scale;
        const image = dotImage(640, 480, landmarks, COLOURS, sigma);

        const fit = alignmentTransform(landmarks, template);
        invertAffine(placed).forEach((v, k) => expect(fit[k]).toBeCloseTo(v, 6));

        const chip = alignFace(image, landmarks, template, chipSize);
        expect(chip.width).toBe(chipSize);
        expect(chip.height).toBe(chipSize);
        expect(chip.data.length).toBe(chipSize * chipSize * 3);
        template.forEach(([tx, ty], k) => {
          // Each dot's colour peaks at its template point, and its centroid lies on it.
          const [cx, cy] = centroid(chip, tx, ty, 5, CHANNELS[k]!);
          expect(Math.hypot(cx - tx, cy - ty)).toBeLessThan(0.35);
          const at = (Math.round(ty) * chipSize + Math.round(tx)) * 3;
          const rgb = [chip.data[at]!, chip.data[at + 1]!, chip.data[at + 2]!];
          COLOURS[k]!.forEach((on, c) => (on ? expect(rgb[c]).toBeGreaterThan(150) : expect(rgb[c]).toBeLessThan(60)));
        });
      }
    });
  }

  it('fills outside pixels with black by default, the edge colour with border "replicate"', () => {
    const image: RgbImage = { data: new Uint8Array(40 * 40 * 3).fill(200), width: 40, height: 40 };
    // Landmarks of a face whose template maps to the image's top-left corner: most of the chip lies outside.
    const landmarks = applyAffineToPoints(similarityFromParams(0.5, 0, -30, -30), DLIB_TEMPLATE) as unknown as Landmarks5;
    const black = alignFace(image, landmarks, DLIB_TEMPLATE, 150);
    expect(black.data[0]).toBe(0);
    expect(black.data[(100 * 150 + 100) * 3]).toBe(200);
    expect(black.data[(149 * 150 + 149) * 3]).toBe(0);
    const replicate = alignFace(image, landmarks, DLIB_TEMPLATE, 150, { border: 'replicate' });
    expect(replicate.data.every((v) => v === 200)).toBe(true);
  });

  it('is fast enough to run per face', () => {
    const image: RgbImage = {
      data: new Uint8Array(1024 * 768 * 3).map((_, i) => (i * 7919) >>> 3),
      width: 1024,
      height: 768,
    };
    const landmarks = applyAffineToPoints(similarityFromParams(2, 0.3, 300, 200), DLIB_TEMPLATE) as unknown as Landmarks5;
    alignFace(image, landmarks, DLIB_TEMPLATE, 150);
    const start = performance.now();
    for (let i = 0; i < 100; i++) alignFace(image, landmarks, DLIB_TEMPLATE, 150);
    const perChip = (performance.now() - start) / 100;
    expect(perChip).toBeLessThan(5);
  });
});
