import type { Detection } from '../../common/face.js';
import { iou, scaleBox, scaleLandmarks, type Box } from '../../common/geometry.js';
import type { RgbImage } from '../../common/raster.js';
import type { DetectOptions } from './detector.js';
import { enhanceForDetection, isLowLight, LOW_LIGHT_ENHANCEMENT } from './low-light.js';

/**
 * Which network input size a photo is detected at. All sizes are long sides in pixels; the detector keeps the
 * aspect ratio and pads to a multiple of 32. The numbers come from bench/resolution-policy.ts (see the README,
 * "Detection resolution"): one pass at 1024 finds everything but crowds taken at camera resolution (a 4000 x 3000
 * crowd of 37-109 px faces: 85 of 230 at 1024, 230 at 2048), so those, recognised by their small faces in the first
 * pass, get a second pass at up to 2048; everything else costs one pass.
 */
export interface ResolutionPolicy {
  /** Smaller images are enlarged to this long side: faces under ~16 px are below RetinaFace's smallest prior. */
  readonly minLongSide: number;
  /** Larger images are shrunk to this long side for the first pass. */
  readonly maxLongSide: number;
  /** A second pass runs at most at this long side (and never above the photo's own long side). */
  readonly secondPassMaxLongSide: number;
  /** ...and only when it would see the photo at least this many times larger than the first pass did. */
  readonly secondPassMinGain: number;
  /**
   * ...and only when the first pass found at least `minSmallFaces` faces whose short side, in first-pass input
   * pixels, is under `smallFaceInputPx`: a crowd, whose back rows are likely smaller still. (One small face alone,
   * e.g. a background passer-by, is not worth a pass that costs 3-4 times the first.)
   */
  readonly smallFaceInputPx: number;
  readonly minSmallFaces: number;
  /**
   * Second-pass faces larger than this (short side, second-pass input pixels) are not taken: RetinaFace's largest
   * prior is 512 px and faces far beyond it come back as fragments. The first pass covers those faces.
   */
  readonly secondPassMaxFaceInputPx: number;
}

export const MIN_INPUT_LONG_SIDE = 640;
export const MAX_INPUT_LONG_SIDE = 1024;
export const SECOND_PASS_MAX_LONG_SIDE = 2048;
export const SECOND_PASS_MIN_GAIN = 1.5;
export const SMALL_FACE_INPUT_PX = 24;
export const MIN_SMALL_FACES = 2;
export const SECOND_PASS_MAX_FACE_INPUT_PX = 320;

export const DEFAULT_RESOLUTION_POLICY: ResolutionPolicy = {
  minLongSide: MIN_INPUT_LONG_SIDE,
  maxLongSide: MAX_INPUT_LONG_SIDE,
  secondPassMaxLongSide: SECOND_PASS_MAX_LONG_SIDE,
  secondPassMinGain: SECOND_PASS_MIN_GAIN,
  smallFaceInputPx: SMALL_FACE_INPUT_PX,
  minSmallFaces: MIN_SMALL_FACES,
  secondPassMaxFaceInputPx: SECOND_PASS_MAX_FACE_INPUT_PX,
};

/** The first (usually only) pass's input long side for a photo of `width` x `height` (full resolution). */
export function firstPassLongSide(width: number, height: number, policy: ResolutionPolicy = DEFAULT_RESOLUTION_POLICY): number {
  const long = Math.max(width, height);
  return Math.min(Math.max(long, policy.minLongSide), policy.maxLongSide);
}

function shortSide(b: Box): number {
  return Math.min(b[2] - b[0], b[3] - b[1]);
}

/**
 * Whether a second pass at higher resolution is worth it, and at which long side; null for no. `firstPass` are
 * the first pass's faces in the full-resolution frame of the `width` x `height` photo.
 */
export function secondPassLongSide(
  width: number,
  height: number,
  firstPass: readonly Pick<Detection, 'box'>[],
  policy: ResolutionPolicy = DEFAULT_RESOLUTION_POLICY,
): number | null {
  const long = Math.max(width, height);
  const first = firstPassLongSide(width, height, policy);
  const second = Math.min(long, policy.secondPassMaxLongSide);
  if (second < first * policy.secondPassMinGain) return null;
  const toInput = first / long;
  let small = 0;
  for (const d of firstPass) if (shortSide(d.box) * toInput < policy.smallFaceInputPx) small++;
  return small >= Math.max(1, policy.minSmallFaces) ? second : null;
}

/** True when two boxes are one face: IoU over 0.3, or the centre of either lies in the other. */
function sameFace(a: Box, b: Box): boolean {
  if (iou(a, b) > 0.3) return true;
  const inside = (p: Box, q: Box) => {
    const cx = (p[0] + p[2]) / 2;
    const cy = (p[1] + p[3]) / 2;
    return cx >= q[0] && cx <= q[2] && cy >= q[1] && cy <= q[3];
  };
  return inside(a, b) || inside(b, a);
}

/**
 * Joins the passes (both in the full-resolution frame): every first-pass face, plus the second-pass faces that
 * are new and not too large for the second pass's input (`secondToInput`: second-pass input pixels per
 * full-resolution pixel). Sorted by score.
 */
export function mergePasses(
  firstPass: readonly Detection[],
  secondPass: readonly Detection[],
  secondToInput: number,
  policy: ResolutionPolicy = DEFAULT_RESOLUTION_POLICY,
): Detection[] {
  const out = [...firstPass];
  for (const d of secondPass) {
    if (shortSide(d.box) * secondToInput > policy.secondPassMaxFaceInputPx) continue;
    if (out.some((k) => sameFace(k.box, d.box))) continue;
    out.push(d);
  }
  return out.sort((a, b) => b.score - a.score);
}

/** What detectWithPolicy needs of a detector: detection at a chosen input long side. */
export interface SizedDetector {
  detect(image: RgbImage, options?: DetectOptions & { readonly inputLongSide?: number }): Promise<Detection[]>;
}

/** A photo as the policy sees it. */
export interface PolicyPhoto {
  /** Full-resolution (upright) size; the policy's decisions and the results are in this frame. */
  readonly width: number;
  readonly height: number;
  /** The photo's pixels at some size (typically decoded with a long side of `firstPassLongSide`). */
  readonly pixels: RgbImage;
  /**
   * The photo with a long side of at least `longSide` where it has that many pixels (e.g. a second decode).
   * Absent: the second pass enlarges `pixels`, which only helps where `pixels` is smaller than the input.
   */
  readonly load?: (longSide: number) => Promise<RgbImage>;
}

export interface PolicyOptions extends DetectOptions {
  /** Detect on an enhanced copy when the photo is low-light (low-light.ts). Default: LOW_LIGHT_ENHANCEMENT. */
  readonly enhanceLowLight?: boolean;
}

export interface PolicyResult {
  /** Faces in the full-resolution frame. */
  readonly faces: Detection[];
  /** Whether the photo was taken for low-light and detected enhanced. */
  readonly lowLight: boolean;
  readonly firstPassLongSide: number;
  /** Null when no second pass ran. */
  readonly secondPassLongSide: number | null;
}

function toFullFrame(dets: readonly Detection[], s: number): Detection[] {
  if (s === 1) return [...dets];
  return dets.map((d) => ({ box: scaleBox(d.box, s), score: d.score, landmarks: scaleLandmarks(d.landmarks, s) }));
}

/**
 * Runs the policy: the first pass, then the second pass where `secondPassLongSide` says so, merged; low-light
 * photos (judged on the first pass's pixels) are detected on an enhanced copy in both passes.
 */
export async function detectWithPolicy(
  detector: SizedDetector,
  photo: PolicyPhoto,
  options: PolicyOptions = {},
  policy: ResolutionPolicy = DEFAULT_RESOLUTION_POLICY,
): Promise<PolicyResult> {
  const { enhanceLowLight = LOW_LIGHT_ENHANCEMENT, ...detectOptions } = options;
  const { width, height } = photo;
  const lowLight = enhanceLowLight && isLowLight(photo.pixels);
  const see = (im: RgbImage): Promise<RgbImage> | RgbImage => (lowLight ? enhanceForDetection(im) : im);
  const first = firstPassLongSide(width, height, policy);
  const toFull = (im: RgbImage) => Math.max(width, height) / Math.max(im.width, im.height);
  const firstFaces = toFullFrame(
    await detector.detect(await see(photo.pixels), { ...detectOptions, inputLongSide: first }),
    toFull(photo.pixels),
  );
  const second = secondPassLongSide(width, height, firstFaces, policy);
  if (second === null) return { faces: firstFaces, lowLight, firstPassLongSide: first, secondPassLongSide: null };
  const larger = photo.load ? await photo.load(second) : photo.pixels;
  const secondFaces = toFullFrame(
    await detector.detect(await see(larger), { ...detectOptions, inputLongSide: second }),
    toFull(larger),
  );
  const faces = mergePasses(firstFaces, secondFaces, second / Math.max(width, height), policy);
  return { faces, lowLight, firstPassLongSide: first, secondPassLongSide: second };
}
