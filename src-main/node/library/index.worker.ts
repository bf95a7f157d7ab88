import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { captureTimeOf } from '../image/capture-time.js';
import { ImageError } from '../image/image-error.js';
import { loadPhotoFromBuffer } from '../image/load-image.js';
import { photoSharpness } from '../image/photo-sharpness.js';
import { FacePipeline, WORKING_MAX_SIDE } from '../vision/face-pipeline.js';
import type { AnalyseResult, HashResult, IndexTask, SameContentResult, TaskResult, WorkerRequest, WorkerResponse, WorkerSetup } from './index-protocol.js';

if (isMainThread || !parentPort) throw new Error('index.worker runs only inside a worker thread');
const port = parentPort;
const setup = workerData as WorkerSetup;

// libvips threads: the worker's share of the cores (1 with one worker per core), not libvips' default of one per
// core in every worker, which only adds contention. The setting is process-wide; every worker sets the same value.
sharp.concurrency((workerData as { vipsThreads?: number }).vipsThreads ?? 1);
// libvips' operation cache keeps recent images to reuse them; every photo here is new, so it only costs memory.
sharp.cache(false);

function post(message: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/**
 * Reads a photo once: the same bytes are hashed and decoded, and size and mtime come from the same open file.
 * Asynchronous, so that a slow disk holds up only this photo, not the other one this worker is analysing.
 */
async function readOnce(file: string): Promise<{ bytes: Buffer; size: number; mtimeMs: number; contentHash: string }> {
  const handle = await open(file, 'r');
  try {
    const info = await handle.stat();
    const bytes = await handle.readFile();
    return { bytes, size: bytes.length, mtimeMs: info.mtimeMs, contentHash: createHash('sha256').update(bytes).digest('hex') };
  } finally {
    await handle.close();
  }
}

async function hash(file: string): Promise<HashResult> {
  const { size, mtimeMs, contentHash } = await readOnce(file);
  return { kind: 'hash', size, mtimeMs, contentHash };
}

async function analyse(pipeline: FacePipeline, file: string, unlessHash?: string): Promise<AnalyseResult | SameContentResult> {
  const { bytes, size, mtimeMs, contentHash } = await readOnce(file);
  if (contentHash === unlessHash) return { kind: 'same-content', size, mtimeMs, contentHash };
  const photo = await loadPhotoFromBuffer(bytes, file, { maxSide: WORKING_MAX_SIDE });
  const analysis = await pipeline.analyse(photo, async (longSide) => (await loadPhotoFromBuffer(bytes, file, { maxSide: longSide })).pixels);
  const sharpness = photoSharpness(photo.pixels);
  const dim = pipeline.recognizer.embeddingSize;
  const embeddings = new Float32Array(analysis.faces.length * dim);
  analysis.faces.forEach((f, i) => embeddings.set(f.embedding, i * dim));
  return {
    kind: 'analyse',
    size,
    mtimeMs,
    contentHash,
    format: photo.format,
    width: analysis.width,
    height: analysis.height,
    orientation: analysis.orientation,
    capture: captureTimeOf(photo.exif, mtimeMs),
    sharpness,
    detectorId: analysis.detectorId,
    recognizerId: analysis.recognizerId,
    faces: analysis.faces.map(({ embedding: _embedding, ...face }) => face),
    embeddings,
  };
}

function run(pipeline: FacePipeline, task: IndexTask): Promise<TaskResult> {
  return task.kind === 'hash' ? hash(task.file) : analyse(pipeline, task.file, task.unlessHash);
}

function failureOf(error: unknown, file: string): { code: string; message: string } {
  if (error instanceof ImageError) return { code: error.code, message: error.message };
  const errno = (error as NodeJS.ErrnoException).code;
  if (errno === 'ENOENT') return { code: 'not-found', message: `${file}: the file does not exist (it may have been moved or deleted)` };
  if (errno === 'EACCES' || errno === 'EPERM') {
    return { code: 'permission-denied', message: `${file}: Facetag is not allowed to read it (check the file permissions)` };
  }
  return { code: 'internal', message: `${file}: ${(error as Error).message ?? String(error)}` };
}

try {
  const pipeline = await FacePipeline.open(setup.pipeline);
  // Tasks start as they arrive; the pool sends at most TASKS_PER_WORKER at once, whose awaits interleave.
  port.on('message', (request: WorkerRequest) => {
    run(pipeline, request.task).then(
      (result) => post({ type: 'done', id: request.id, result }, result.kind === 'analyse' ? [result.embeddings.buffer as ArrayBuffer] : []),
      (error: unknown) => post({ type: 'failed', id: request.id, failure: failureOf(error, request.task.file) }),
    );
  });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'startup-failed', message: (error as Error).message });
}
