import type { DetectorModel } from '../../common/model-manifest.js';
import { OnnxFaceDetector, outputData, type RawDetection } from './detector-input.js';
import type { ort } from './onnx-session.js';

/** RetinaFace's priors for one input size, in input pixels: centre x, centre y, size (square), 3 values a prior. */
export interface RetinaFacePriors {
  readonly width: number;
  readonly height: number;
  readonly count: number;
  /** [cx0, cy0, s0, cx1, cy1, s1, ...] */
  readonly data: Float32Array;
}

/**
 * The priors (anchors) in the order the network emits them: per feature map (steps), row by row, column by
 * column, one prior per min size. Sizes ceil(H / step) x ceil(W / step); centre ((col + 0.5) * step,
 * (row + 0.5) * step); square, min size wide. (The reference normalises by W and H; decoding in pixels is the same.)
 */
export function retinaFacePriors(
  width: number,
  height: number,
  steps: readonly number[],
  minSizes: readonly (readonly number[])[],
): RetinaFacePriors {
  if (steps.length !== minSizes.length) throw new Error('RetinaFace: steps and minSizes differ in length');
  let count = 0;
  steps.forEach((step, i) => {
    count += Math.ceil(height / step) * Math.ceil(width / step) * minSizes[i]!.length;
  });
  const data = new Float32Array(count * 3);
  let o = 0;
  steps.forEach((step, i) => {
    const sizes = minSizes[i]!;
    const rows = Math.ceil(height / step);
    const cols = Math.ceil(width / step);
    for (let r = 0; r < rows; r++) {
      const cy = (r + 0.5) * step;
      for (let c = 0; c < cols; c++) {
        const cx = (c + 0.5) * step;
        for (const s of sizes) {
          data[o++] = cx;
          data[o++] = cy;
          data[o++] = s;
        }
      }
    }
  });
  return { width, height, count, data };
}

/** Priors are cached per input size; a library has few distinct sizes, but bound the cache anyway. */
const PRIOR_CACHE_LIMIT = 16;

export class RetinaFaceDetector extends OnnxFaceDetector {
  private readonly priorCache = new Map<string, RetinaFacePriors>();
  private readonly steps: readonly number[];
  private readonly minSizes: readonly (readonly number[])[];
  private readonly variances: readonly [number, number];
  private readonly names: { readonly boxes: string; readonly scores: string; readonly landmarks: string };

  constructor(session: ort.InferenceSession, spec: DetectorModel) {
    super(session, spec);
    if (spec.architecture !== 'retinaface') throw new Error(`model ${spec.id} is not a RetinaFace model`);
    const d = spec.detector;
    this.steps = d.steps;
    this.minSizes = d.minSizes ?? [[16, 32], [64, 128], [256, 512]];
    this.variances = d.variances ?? [0.1, 0.2];
    this.names = {
      boxes: d.outputs['boxes'] ?? 'loc',
      scores: d.outputs['scores'] ?? 'conf',
      landmarks: d.outputs['landmarks'] ?? 'landms',
    };
    for (const n of Object.values(this.names)) {
      if (!session.outputNames.includes(n)) throw new Error(`model ${spec.id}: no output named ${n}`);
    }
  }

  priors(width: number, height: number): RetinaFacePriors {
    const key = `${width}x${height}`;
    let p = this.priorCache.get(key);
    if (!p) {
      p = retinaFacePriors(width, height, this.steps, this.minSizes);
      if (this.priorCache.size >= PRIOR_CACHE_LIMIT) this.priorCache.delete(this.priorCache.keys().next().value!);
      this.priorCache.set(key, p);
    }
    return p;
  }

  protected decode(
    outputs: ort.InferenceSession.OnnxValueMapType,
    b: number,
    width: number,
    height: number,
    threshold: number,
  ): RawDetection[] {
    const priors = this.priors(width, height);
    const n = priors.count;
    const loc = outputData(outputs, this.names.boxes);
    const conf = outputData(outputs, this.names.scores);
    const landms = outputData(outputs, this.names.landmarks);
    if (conf.length < (b + 1) * n * 2) throw new Error(`RetinaFace: expected ${n} priors, got ${conf.length / 2}`);
    const [v0, v1] = this.variances;
    const pd = priors.data;
    const out: RawDetection[] = [];
    const confBase = b * n * 2;
    for (let i = 0; i < n; i++) {
      const score = conf[confBase + 2 * i + 1]!;
      if (!(score >= threshold)) continue;
      const px = pd[3 * i]!;
      const py = pd[3 * i + 1]!;
      const ps = pd[3 * i + 2]!;
      const l = (b * n + i) * 4;
      const cx = px + loc[l]! * v0 * ps;
      const cy = py + loc[l + 1]! * v0 * ps;
      const w = ps * Math.exp(loc[l + 2]! * v1);
      const h = ps * Math.exp(loc[l + 3]! * v1);
      const m = (b * n + i) * 10;
      const landmarks = new Array<number>(10);
      for (let k = 0; k < 10; k += 2) {
        landmarks[k] = px + landms[m + k]! * v0 * ps;
        landmarks[k + 1] = py + landms[m + k + 1]! * v0 * ps;
      }
      out.push({ box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], score, landmarks });
    }
    return out;
  }
}
