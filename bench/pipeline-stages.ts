import { performance } from 'node:perf_hooks';
import type { Detection } from '../src-main/common/face.js';
import { scaleBox, scaleLandmarks } from '../src-main/common/geometry.js';
import { detectWithPolicy } from '../src-main/node/vision/resolution-policy.js';
import { loadPhoto, type DecodedPhoto } from '../src-main/node/image/load-image.js';
import { alignFace } from '../src-main/node/vision/face-chip.js';
import { FacePipeline, WORKING_MAX_SIDE } from '../src-main/node/vision/face-pipeline.js';
import { measureFaceQuality } from '../src-main/common/face-quality.js';

export interface StageFigures {
  readonly photos: number;
  readonly faces: number;
  readonly decodeMs: number;
  readonly detectMs: number;
  readonly alignEmbedMs: number;
  readonly endToEndMs: number;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

/**
 * Each stage alone over all photos (decode all, then detect all, then align+embed all faces), then the whole
 * pipeline end to end, in one process with one onnxruntime thread per session.
 */
export async function measurePipelineStages(files: readonly string[], intraOpThreads = 1): Promise<StageFigures> {
  const pipeline = await FacePipeline.open({ session: { intraOpThreads } });
  try {
    // Warm-up: first runs allocate arenas and tune kernels.
    await pipeline.analyseFile(files[0]!);

    const [decoded, decodeMs] = await timed(async () => {
      const out: DecodedPhoto[] = [];
      for (const f of files) out.push(await loadPhoto(f, { maxSide: WORKING_MAX_SIDE }).catch(() => undefined as never));
      return out.filter(Boolean);
    });
    const [detections, detectMs] = await timed(async () => {
      const out: Detection[][] = [];
      for (const photo of decoded) {
        const found = await detectWithPolicy(pipeline.detector, { width: photo.width, height: photo.height, pixels: photo.pixels });
        out.push(found.faces.map((d) => ({ ...d, box: scaleBox(d.box, photo.scale), landmarks: scaleLandmarks(d.landmarks, photo.scale) })));
      }
      return out;
    });
    const { recognizer } = pipeline;
    const [faces, alignEmbedMs] = await timed(async () => {
      let count = 0;
      for (let i = 0; i < decoded.length; i++) {
        const photo = decoded[i]!;
        const chips = detections[i]!.map((d) => alignFace(photo.pixels, d.landmarks, recognizer.template, recognizer.chipSize));
        await recognizer.embed(chips);
        detections[i]!.forEach((d, j) => measureFaceQuality(d, chips[j]!, photo.scale));
        count += chips.length;
      }
      return count;
    });
    const [, endToEndMs] = await timed(async () => {
      for (const f of files) await pipeline.analyseFile(f).catch(() => undefined);
    });
    return { photos: files.length, faces, decodeMs, detectMs, alignEmbedMs, endToEndMs };
  } finally {
    await pipeline.close();
  }
}
