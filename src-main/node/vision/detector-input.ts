import sharp from 'sharp';
import type { Detection } from '../../common/face.js';
import { nonMaximumSuppression, type Box, type Landmarks5 } from '../../common/geometry.js';
import type { DetectorModel } from '../../common/model-manifest.js';
import type { RgbImage } from '../../common/raster.js';
import type { DetectOptions, FaceDetector } from './detector.js';
import { ort } from './onnx-session.js';
import { firstPassLongSide } from './resolution-policy.js';

/** The `input` block of a model's manifest entry. */
export type InputSpec = DetectorModel['input'];

/** Detectors in the manifest take any input size that is a multiple of this unless they say otherwise. */
export const DEFAULT_SIZE_MULTIPLE = 32;

/**
 * Where one image lands in the detector's input tensor: resized to contentWidth x contentHeight at the top-left
 * corner, the rest (right and bottom) padded with the model's mean colour (0 after normalisation).
 * A point (x, y) of the tensor is (x / scaleX, y / scaleY) in the image.
 */
export interface InputPlacement {
  readonly imageWidth: number;
  readonly imageHeight: number;
  readonly contentWidth: number;
  readonly contentHeight: number;
  /** Tensor pixels per image pixel, horizontally and vertically (equal up to rounding). */
  readonly scaleX: number;
  readonly scaleY: number;
}

/** The size of the network input for a batch, and where each image of it lies. */
export interface InputPlan {
  /** Tensor width and height: multiples of the model's size multiple. */
  readonly width: number;
  readonly height: number;
  readonly placements: readonly InputPlacement[];
}

export function roundUpToMultiple(n: number, multiple: number): number {
  return Math.max(multiple, Math.ceil(n / multiple) * multiple);
}

/**
 * Places an image of `imageWidth` x `imageHeight` so that its long side becomes `longSide` pixels (aspect ratio
 * kept, the short side at least 1 pixel). `longSide` equal to the image's long side means no resampling.
 */
export function placeImage(imageWidth: number, imageHeight: number, longSide: number): InputPlacement {
  if (!(imageWidth > 0 && imageHeight > 0)) throw new RangeError(`bad image size ${imageWidth}x${imageHeight}`);
  if (!(longSide > 0)) throw new RangeError(`bad input long side ${longSide}`);
  const s = longSide / Math.max(imageWidth, imageHeight);
  const contentWidth = Math.max(1, Math.round(imageWidth * s));
  const contentHeight = Math.max(1, Math.round(imageHeight * s));
  return {
    imageWidth,
    imageHeight,
    contentWidth,
    contentHeight,
    scaleX: contentWidth / imageWidth,
    scaleY: contentHeight / imageHeight,
  };
}

/** The input plan for a batch: one tensor size (padded to `multiple`) large enough for every placement. */
export function planInput(placements: readonly InputPlacement[], multiple = DEFAULT_SIZE_MULTIPLE): InputPlan {
  if (placements.length === 0) throw new RangeError('empty batch');
  let w = 0;
  let h = 0;
  for (const p of placements) {
    w = Math.max(w, p.contentWidth);
    h = Math.max(h, p.contentHeight);
  }
  return { width: roundUpToMultiple(w, multiple), height: roundUpToMultiple(h, multiple), placements };
}

/** Per tensor channel c: which byte of an RGB pixel it reads (0 = R, 1 = G, 2 = B), its mean and 1 / std. */
interface Normaliser {
  readonly source: readonly [number, number, number];
  readonly mean: readonly [number, number, number];
  readonly invStd: readonly [number, number, number];
}

function normaliserFor(spec: InputSpec): Normaliser {
  const source: [number, number, number] = spec.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  return { source, mean: spec.mean, invStd: [1 / spec.std[0], 1 / spec.std[1], 1 / spec.std[2]] };
}

/**
 * Below this scale the image is shrunk with sharp (libvips, area-averaging, antialiased); from it upwards the
 * bilinear resampler below writes straight into the tensor. Measured on a 2-core machine: 500x375 -> 1024x768
 * bilinear in JS 15 ms vs sharp cubic 34 ms / lanczos3 43 ms (+3-7 ms for the tensor pass); 2280x1588 -> 1024
 * with sharp 11 ms.
 */
export const SHARP_BELOW_SCALE = 0.5;

/**
 * Resizes an RGB image to `width` x `height` with sharp (area-averaging and lanczos3). Returns the image itself
 * when the size already matches.
 */
export async function resizeRgb(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (image.width === width && image.height === height) return image;
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`resize returned ${info.channels} channels`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

function checkFits(width: number, height: number, tensorWidth: number, tensorHeight: number, out: Float32Array, batchIndex: number): void {
  if (width > tensorWidth || height > tensorHeight) {
    throw new RangeError(`image ${width}x${height} does not fit the ${tensorWidth}x${tensorHeight} input`);
  }
  if (out.length < (batchIndex + 1) * 3 * tensorWidth * tensorHeight) throw new RangeError('tensor array too short');
}

/**
 * Writes an RGB image, unresized, into slot `batchIndex` of an NCHW float32 tensor of `tensorWidth` x
 * `tensorHeight`, normalised per the model's input spec. The padding is left as it is in `out` (zero, i.e. the
 * mean colour, for a freshly allocated array).
 */
export function writeNchw(
  image: RgbImage,
  spec: InputSpec,
  out: Float32Array,
  batchIndex: number,
  tensorWidth: number,
  tensorHeight: number,
): void {
  const { width, height, data } = image;
  checkFits(width, height, tensorWidth, tensorHeight, out, batchIndex);
  if (data.length < width * height * 3) throw new RangeError('image data shorter than width * height * 3');
  const { source, mean, invStd } = normaliserFor(spec);
  const [s0, s1, s2] = source;
  const [m0, m1, m2] = mean;
  const [k0, k1, k2] = invStd;
  const plane = tensorWidth * tensorHeight;
  const p2 = 2 * plane;
  const base = batchIndex * 3 * plane;
  for (let y = 0; y < height; y++) {
    let i = y * width * 3;
    let o = base + y * tensorWidth;
    const end = o + width;
    for (; o < end; o++, i += 3) {
      out[o] = (data[i + s0]! - m0) * k0;
      out[o + plane] = (data[i + s1]! - m1) * k1;
      out[o + p2] = (data[i + s2]! - m2) * k2;
    }
  }
}

/**
 * Bilinear resampling (pixel centres aligned, edges clamped) of an RGB image to `width` x `height`, written
 * normalised into slot `batchIndex` of the tensor like writeNchw. Separable: each source row is interpolated
 * horizontally once. Meant for enlarging and mild shrinking (scale >= SHARP_BELOW_SCALE); no antialiasing.
 */
export function writeResizedNchw(
  image: RgbImage,
  width: number,
  height: number,
  spec: InputSpec,
  out: Float32Array,
  batchIndex: number,
  tensorWidth: number,
  tensorHeight: number,
): void {
  const { width: sw, height: sh, data: src } = image;
  checkFits(width, height, tensorWidth, tensorHeight, out, batchIndex);
  if (src.length < sw * sh * 3) throw new RangeError('image data shorter than width * height * 3');
  const { source, mean, invStd } = normaliserFor(spec);
  const [s0, s1, s2] = source;
  const [m0, m1, m2] = mean;
  const [k0, k1, k2] = invStd;
  const plane = tensorWidth * tensorHeight;
  const p2 = 2 * plane;
  const base = batchIndex * 3 * plane;

  const xa = new Int32Array(width);
  const xb = new Int32Array(width);
  const fxs = new Float32Array(width);
  const rx = sw / width;
  for (let x = 0; x < width; x++) {
    const s = Math.min(Math.max((x + 0.5) * rx - 0.5, 0), sw - 1);
    const x0 = Math.floor(s);
    xa[x] = x0 * 3;
    xb[x] = Math.min(x0 + 1, sw - 1) * 3;
    fxs[x] = s - x0;
  }
  let rowA = new Float32Array(width * 3);
  let rowB = new Float32Array(width * 3);
  let ya = -1;
  let yb = -1;
  const horizontal = (sy: number, dst: Float32Array): void => {
    const r = sy * sw * 3;
    for (let x = 0, j = 0; x < width; x++, j += 3) {
      const fx = fxs[x]!;
      const a = r + xa[x]!;
      const b = r + xb[x]!;
      const p = src[a]!;
      const q = src[a + 1]!;
      const w = src[a + 2]!;
      dst[j] = p + (src[b]! - p) * fx;
      dst[j + 1] = q + (src[b + 1]! - q) * fx;
      dst[j + 2] = w + (src[b + 2]! - w) * fx;
    }
  };
  const ry = sh / height;
  for (let y = 0; y < height; y++) {
    const s = Math.min(Math.max((y + 0.5) * ry - 0.5, 0), sh - 1);
    const y0 = Math.floor(s);
    const y1 = Math.min(y0 + 1, sh - 1);
    const fy = s - y0;
    if (ya !== y0) {
      if (yb === y0) {
        const t = rowA;
        rowA = rowB;
        rowB = t;
        yb = -1;
      } else {
        horizontal(y0, rowA);
      }
      ya = y0;
    }
    if (yb !== y1) {
      horizontal(y1, rowB);
      yb = y1;
    }
    const A = rowA;
    const B = rowB;
    let o = base + y * tensorWidth;
    for (let x = 0, j = 0; x < width; x++, o++, j += 3) {
      const a0 = A[j + s0]!;
      const a1 = A[j + s1]!;
      const a2 = A[j + s2]!;
      out[o] = (a0 + (B[j + s0]! - a0) * fy - m0) * k0;
      out[o + plane] = (a1 + (B[j + s1]! - a1) * fy - m1) * k1;
      out[o + p2] = (a2 + (B[j + s2]! - a2) * fy - m2) * k2;
    }
  }
}

/** Writes `image` into slot `batchIndex` at `placement`'s content size, choosing the cheapest adequate resampler. */
export async function writePlaced(
  image: RgbImage,
  placement: InputPlacement,
  spec: InputSpec,
  out: Float32Array,
  batchIndex: number,
  tensorWidth: number,
  tensorHeight: number,
): Promise<void> {
  const { contentWidth: w, contentHeight: h } = placement;
  if (image.width !== placement.imageWidth || image.height !== placement.imageHeight) {
    throw new RangeError(`image is ${image.width}x${image.height}, planned for ${placement.imageWidth}x${placement.imageHeight}`);
  }
  if (w === image.width && h === image.height) {
    writeNchw(image, spec, out, batchIndex, tensorWidth, tensorHeight);
  } else if (Math.min(placement.scaleX, placement.scaleY) >= SHARP_BELOW_SCALE) {
    writeResizedNchw(image, w, h, spec, out, batchIndex, tensorWidth, tensorHeight);
  } else {
    writeNchw(await resizeRgb(image, w, h), spec, out, batchIndex, tensorWidth, tensorHeight);
  }
}

/**
 * The NCHW float32 tensor data for a batch: each image resized to its placement's content size and written at the
 * top-left of its slot, the rest zero (the mean colour). `images[i]` must be the image `plan.placements[i]` was
 * made for. Written into `scratch` where it is long enough (its start is returned), else into a new array.
 */
export async function buildInputTensor(
  images: readonly RgbImage[],
  plan: InputPlan,
  spec: InputSpec,
  scratch?: Float32Array,
): Promise<Float32Array> {
  if (images.length !== plan.placements.length) throw new RangeError('images and placements differ in number');
  const length = images.length * 3 * plan.width * plan.height;
  const out = scratch && scratch.length >= length ? scratch.subarray(0, length).fill(0) : new Float32Array(length);
  for (let i = 0; i < images.length; i++) {
    await writePlaced(images[i]!, plan.placements[i]!, spec, out, i, plan.width, plan.height);
  }
  return out;
}

/** Options of one detector call, beyond the common ones. */
export interface DetectorRunOptions extends DetectOptions {
  /**
   * The long side, in pixels, the image is resized to before detection (then padded to the model's size multiple).
   * Default: the resolution policy's first pass for the image's size (see resolution-policy.ts).
   */
  readonly inputLongSide?: number;
}

/** A face as a network's decoder reports it, in tensor pixels: box x1, y1, x2, y2 and landmarks x0, y0, ... x4, y4. */
export interface RawDetection {
  readonly box: Box;
  readonly score: number;
  readonly landmarks: readonly number[];
}

/**
 * Maps raw detections of one batch slot back to the image's pixel frame: NMS, then each box clamped to the image's
 * content area and divided by the placement's scale. Boxes that clamp to nothing are dropped. Sorted by score.
 */
export function toImageFrame(raw: readonly RawDetection[], placement: InputPlacement, nmsIou: number): Detection[] {
  const kept = raw.length > 1 ? nonMaximumSuppression(raw, nmsIou) : raw;
  const { scaleX, scaleY, imageWidth, imageHeight } = placement;
  const out: Detection[] = [];
  for (const r of kept) {
    const [x1, y1, x2, y2] = r.box;
    const box: Box = [
      Math.min(Math.max(x1 / scaleX, 0), imageWidth),
      Math.min(Math.max(y1 / scaleY, 0), imageHeight),
      Math.min(Math.max(x2 / scaleX, 0), imageWidth),
      Math.min(Math.max(y2 / scaleY, 0), imageHeight),
    ];
    if (!(box[2] > box[0] && box[3] > box[1])) continue;
    const l = r.landmarks;
    const landmarks = [0, 1, 2, 3, 4].map((k) => [l[2 * k]! / scaleX, l[2 * k + 1]! / scaleY] as const) as unknown as Landmarks5;
    out.push({ box, score: r.score, landmarks });
  }
  return out;
}

/** A detector that can also run several images through the network in one call. */
export interface BatchFaceDetector extends FaceDetector {
  readonly spec: DetectorModel;
  detect(image: RgbImage, options?: DetectorRunOptions): Promise<Detection[]>;
  /**
   * One result per image, in order. All images go through one network run: each is resized by its own
   * `inputLongSide` (option, else the resolution policy) and padded to the largest of them, so images that share a
   * size (the usual batch) cost exactly what they would alone.
   */
  detectBatch(images: readonly RgbImage[], options?: DetectorRunOptions): Promise<Detection[][]>;
}

/** The parts RetinaFace and YuNet share: input preparation, the session run, mapping back. */
export abstract class OnnxFaceDetector implements BatchFaceDetector {
  readonly id: string;
  readonly defaultScoreThreshold: number;
  readonly nmsIou: number;
  /**
   * The input tensor's memory, reused from photo to photo while no other run holds it: a fresh 5-12 MB array per
   * photo costs page faults and makes the garbage collector run every other photo.
   */
  private scratch: Float32Array | undefined;

  constructor(
    protected readonly session: ort.InferenceSession,
    readonly spec: DetectorModel,
  ) {
    this.id = spec.id;
    this.defaultScoreThreshold = spec.thresholds.score;
    this.nmsIou = spec.thresholds.nms;
    if (!session.inputNames.includes(spec.input.name)) {
      throw new Error(`model ${spec.id}: no input named ${spec.input.name} (has ${session.inputNames.join(', ')})`);
    }
  }

  /** Decodes batch slot `b` of the outputs into raw detections scoring at least `threshold`, in tensor pixels. */
  protected abstract decode(
    outputs: ort.InferenceSession.OnnxValueMapType,
    b: number,
    width: number,
    height: number,
    threshold: number,
  ): RawDetection[];

  async detect(image: RgbImage, options: DetectorRunOptions = {}): Promise<Detection[]> {
    const [result] = await this.detectBatch([image], options);
    return result!;
  }

  async detectBatch(images: readonly RgbImage[], options: DetectorRunOptions = {}): Promise<Detection[][]> {
    if (images.length === 0) return [];
    const threshold = options.scoreThreshold ?? this.defaultScoreThreshold;
    const placements = images.map((im) =>
      placeImage(im.width, im.height, options.inputLongSide ?? firstPassLongSide(im.width, im.height)),
    );
    const plan = planInput(placements, this.spec.input.sizeMultiple ?? DEFAULT_SIZE_MULTIPLE);
    const scratch = this.scratch;
    this.scratch = undefined;
    const data = await buildInputTensor(images, plan, this.spec.input, scratch);
    try {
      const input = new ort.Tensor('float32', data, [images.length, 3, plan.height, plan.width]);
      const outputs = await this.session.run({ [this.spec.input.name]: input });
      try {
        return placements.map((p, b) => toImageFrame(this.decode(outputs, b, plan.width, plan.height, threshold), p, this.nmsIou));
      } finally {
        for (const v of Object.values(outputs)) (v as ort.Tensor).dispose?.();
      }
    } finally {
      this.keepScratch(scratch && data.buffer === scratch.buffer ? scratch : data);
    }
  }

  private keepScratch(array: Float32Array): void {
    if (!this.scratch || this.scratch.length < array.length) this.scratch = array;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** The float32 data of a named output, checked. */
export function outputData(outputs: ort.InferenceSession.OnnxValueMapType, name: string): Float32Array {
  const t = outputs[name] as ort.Tensor | undefined;
  if (!t) throw new Error(`model output ${name} missing`);
  if (t.type !== 'float32') throw new Error(`model output ${name} is ${t.type}, expected float32`);
  return t.data as Float32Array;
}
