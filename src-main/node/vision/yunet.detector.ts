import type { DetectorModel } from '../../common/model-manifest.js';
import { OnnxFaceDetector, outputData, type RawDetection } from './detector-input.js';
import type { ort } from './onnx-session.js';

interface LevelNames {
  readonly step: number;
  readonly cls: string;
  readonly obj: string;
  readonly bbox: string;
  readonly kps: string;
}

/**
 * YuNet (libfacedetection): per stride s, outputs `<name>_<s>` with one anchor per cell, row-major.
 * score = sqrt(clamp01(cls) * clamp01(obj)); cx = (col + b0) * s, cy = (row + b1) * s, w = exp(b2) * s,
 * h = exp(b3) * s; keypoint k = ((kx + col) * s, (ky + row) * s).
 */
export class YuNetDetector extends OnnxFaceDetector {
  private readonly levels: readonly LevelNames[];

  constructor(session: ort.InferenceSession, spec: DetectorModel) {
    super(session, spec);
    if (spec.architecture !== 'yunet') throw new Error(`model ${spec.id} is not a YuNet model`);
    const o = spec.detector.outputs;
    const name = (key: string, fallback: string) => o[key] ?? fallback;
    this.levels = spec.detector.steps.map((step) => ({
      step,
      cls: `${name('scores', 'cls')}_${step}`,
      obj: `${name('objectness', 'obj')}_${step}`,
      bbox: `${name('boxes', 'bbox')}_${step}`,
      kps: `${name('landmarks', 'kps')}_${step}`,
    }));
    for (const l of this.levels) {
      for (const n of [l.cls, l.obj, l.bbox, l.kps]) {
        if (!session.outputNames.includes(n)) throw new Error(`model ${spec.id}: no output named ${n}`);
      }
    }
  }

  protected decode(
    outputs: ort.InferenceSession.OnnxValueMapType,
    b: number,
    width: number,
    height: number,
    threshold: number,
  ): RawDetection[] {
    const out: RawDetection[] = [];
    // score >= t  <=>  cls * obj >= t^2 (both clamped to [0, 1]); the square root only for the survivors.
    const t2 = threshold > 0 ? threshold * threshold : 0;
    for (const level of this.levels) {
      const s = level.step;
      const cols = Math.ceil(width / s);
      const rows = Math.ceil(height / s);
      const n = cols * rows;
      const cls = outputData(outputs, level.cls);
      const obj = outputData(outputs, level.obj);
      const bbox = outputData(outputs, level.bbox);
      const kps = outputData(outputs, level.kps);
      if (cls.length < (b + 1) * n) throw new Error(`YuNet: output ${level.cls} has ${cls.length} values, expected ${n} per image`);
      const base = b * n;
      for (let i = 0; i < n; i++) {
        const c = Math.min(Math.max(cls[base + i]!, 0), 1);
        const ob = Math.min(Math.max(obj[base + i]!, 0), 1);
        const p = c * ob;
        if (!(p >= t2) || p === 0) continue;
        const row = Math.floor(i / cols);
        const col = i - row * cols;
        const q = (base + i) * 4;
        const cx = (col + bbox[q]!) * s;
        const cy = (row + bbox[q + 1]!) * s;
        const w = Math.exp(bbox[q + 2]!) * s;
        const h = Math.exp(bbox[q + 3]!) * s;
        const k = (base + i) * 10;
        const landmarks = new Array<number>(10);
        for (let j = 0; j < 10; j += 2) {
          landmarks[j] = (kps[k + j]! + col) * s;
          landmarks[j + 1] = (kps[k + j + 1]! + row) * s;
        }
        out.push({ box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], score: Math.sqrt(p), landmarks });
      }
    }
    return out;
  }
}
