import type { Landmarks5 } from '../../common/geometry.js';
import type { RecognizerModel } from '../../common/model-manifest.js';
import type { RgbImage } from '../../common/raster.js';
import { l2NormalizeInPlace } from '../../common/embedding-distance.js';
import { type SessionSettings, openOnnxSession, ort } from './onnx-session.js';
import type { FaceRecognizer } from './recognizer.js';

export interface RecognizerOptions {
  /** Most chips per session run (default 16). */
  readonly maxBatch?: number;
}

export const DEFAULT_RECOGNIZER_BATCH = 16;

/**
 * Fills `out` (at `offset`, NCHW, one image) from an RGB chip: channel c of the tensor holds the chip's
 * channelOrder[c] channel as (pixel − mean[c]) / std[c].
 */
export function chipToTensorData(
  chip: RgbImage,
  input: RecognizerModel['input'],
  out: Float32Array,
  offset: number,
): void {
  const plane = chip.width * chip.height;
  const bgr = input.channelOrder === 'BGR';
  const src = chip.data;
  for (let c = 0; c < 3; c++) {
    const srcChannel = bgr ? 2 - c : c;
    const mean = input.mean[c]!;
    const scale = 1 / input.std[c]!;
    const base = offset + c * plane;
    for (let i = 0, j = srcChannel; i < plane; i++, j += 3) out[base + i] = (src[j]! - mean) * scale;
  }
}

/**
 * A FaceRecognizer for any embedding model described by a manifest entry: input size, channel order and
 * normalisation from `spec.input`, output name, size, template and metric from `spec.recognizer`.
 * Embeddings are L2-normalised only when the metric is "cosine"; "euclidean" models give raw vectors.
 */
export async function createRecognizer(
  spec: RecognizerModel,
  file: string,
  settings: SessionSettings = {},
  options: RecognizerOptions = {},
): Promise<FaceRecognizer> {
  const declaredSize = spec.input.width ?? spec.input.height;
  if (declaredSize === undefined || (spec.input.height !== undefined && spec.input.height !== declaredSize)) {
    throw new Error(`recognizer ${spec.id}: the manifest must give a square input size (width = height)`);
  }
  const chipSize: number = declaredSize;
  if (spec.input.std.some((s) => s === 0)) throw new Error(`recognizer ${spec.id}: input.std must not be 0`);
  const maxBatch = Math.max(1, Math.floor(options.maxBatch ?? DEFAULT_RECOGNIZER_BATCH));
  const embeddingSize = spec.recognizer.embeddingSize;
  const cosine = spec.recognizer.distance === 'cosine';
  const session = await openOnnxSession(file, settings);
  if (!session.inputNames.includes(spec.input.name)) {
    await session.release();
    throw new Error(`recognizer ${spec.id}: graph has no input "${spec.input.name}" (has ${session.inputNames.join(', ')})`);
  }
  if (!session.outputNames.includes(spec.recognizer.output)) {
    await session.release();
    throw new Error(
      `recognizer ${spec.id}: graph has no output "${spec.recognizer.output}" (has ${session.outputNames.join(', ')})`,
    );
  }
  const template = spec.recognizer.template.map(([x, y]) => [x, y] as const) as unknown as Landmarks5;
  const plane = chipSize * chipSize;
  let released = false;
  // onnxruntime sessions must not run concurrently from one JS caller; queue the calls.
  let queue: Promise<unknown> = Promise.resolve();

  async function runBatch(chips: readonly RgbImage[]): Promise<Float32Array[]> {
    const n = chips.length;
    const data = new Float32Array(n * 3 * plane);
    chips.forEach((chip, k) => chipToTensorData(chip, spec.input, data, k * 3 * plane));
    const tensor = new ort.Tensor('float32', data, [n, 3, chipSize, chipSize]);
    const results = await session.run({ [spec.input.name]: tensor }, [spec.recognizer.output]);
    const output = results[spec.recognizer.output];
    try {
      if (!output || output.type !== 'float32') throw new Error(`recognizer ${spec.id}: output is not float32`);
      const values = output.data as Float32Array;
      if (values.length !== n * embeddingSize) {
        throw new Error(
          `recognizer ${spec.id}: output has ${values.length} values for ${n} chips, expected ${embeddingSize} each`,
        );
      }
      const embeddings: Float32Array[] = [];
      for (let k = 0; k < n; k++) {
        const e = values.slice(k * embeddingSize, (k + 1) * embeddingSize);
        embeddings.push(cosine ? l2NormalizeInPlace(e) : e);
      }
      return embeddings;
    } finally {
      tensor.dispose();
      for (const value of Object.values(results)) value.dispose();
    }
  }

  async function embedAll(chips: readonly RgbImage[]): Promise<Float32Array[]> {
    if (released) throw new Error(`recognizer ${spec.id} was released`);
    for (const [k, chip] of chips.entries()) {
      if (chip.width !== chipSize || chip.height !== chipSize || chip.data.length !== plane * 3) {
        throw new RangeError(
          `recognizer ${spec.id}: chip ${k} is ${chip.width} x ${chip.height}, expected ${chipSize} x ${chipSize} RGB`,
        );
      }
    }
    const embeddings: Float32Array[] = [];
    for (let start = 0; start < chips.length; start += maxBatch) {
      embeddings.push(...(await runBatch(chips.slice(start, start + maxBatch))));
    }
    return embeddings;
  }

  return {
    id: spec.id,
    chipSize,
    template,
    embeddingSize,
    embed(chips) {
      const result = queue.then(() => embedAll(chips));
      queue = result.catch(() => undefined);
      return result;
    },
    async release() {
      if (released) return;
      released = true;
      await queue;
      await session.release();
    },
  };
}
