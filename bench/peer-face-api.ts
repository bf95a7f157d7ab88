/**
 * The JavaScript tool a developer would pick instead: @vladmandic/face-api (TF.js, wasm backend, one wasm thread per
 * worker) with its usual recipe, detectAllFaces(SSD MobileNet v1, minConfidence 0.5).withFaceLandmarks()
 * .withFaceDescriptors(), on photos decoded by sharp. Measures photos/s with worker threads (as many as Facetag's
 * index pool: one per core) and how many of the labelled faces of detection/ it finds, counted as for our detector.
 *
 * Run: npx tsc -p tsconfig.build.json && node dist/bench/peer-face-api.js [full|1024|both]
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadDetectionLabels, tallyLabelledFaces, type LabelledImage } from '../test/support/detection-labels.js';
import { sharedPhotos } from './photo-set.js';
import type { PeerPhotoResult, PeerReply, PeerRequest, PeerWorkerData } from './peer-face-api.worker.js';

export interface PeerOptions {
  /** Worker threads, default 2 (Facetag's pool runs one per core on the 2-core bench machine). */
  readonly workers?: number;
  /** Long side the photos are shrunk to before detection; null (default): full-resolution decode. */
  readonly maxSide?: number | null;
  /** SSD MobileNet v1 score threshold, default 0.5. */
  readonly minConfidence?: number;
}

export interface PeerFigures {
  /** '@vladmandic/face-api <version>, TF.js wasm (SIMD), SSD MobileNet v1 + landmarks 68 + recognition net'. */
  readonly tool: string;
  readonly backend: string;
  readonly workers: number;
  /** null: full resolution. */
  readonly maxSide: number | null;
  readonly photos: number;
  /** Photos that face-api could not process (decode errors). */
  readonly failed: number;
  /** Mean megapixels of the images given to face-api. */
  readonly meanInputMegapixels: number;
  readonly largestInput: string;
  /** Faces detected (and described) over the photos. */
  readonly faces: number;
  /** photos / wall seconds of the timed run (decode + detect + landmarks + descriptors), after one warm-up photo per worker. */
  readonly photosPerS: number;
  readonly wallS: number;
  /** Worker start-up: TF.js wasm backend and the three models. */
  readonly startS: number;
  /** Labelled (non-ignored) faces of detection/gt.txt, of them found, and detections matching no label. */
  readonly labelled: number;
  readonly found: number;
  readonly falsePositives: number;
}

type Ready = Extract<PeerReply, { kind: 'ready' }>;

/** One worker thread answering one request at a time. */
class PeerWorker {
  private readonly worker: Worker;
  private pending: { resolve(r: PeerReply): void; reject(e: Error): void } | null = null;
  private readonly ready: Promise<PeerReply>;

  constructor(settings: PeerWorkerData) {
    const worker = new Worker(new URL('./peer-face-api.worker.js', import.meta.url), { workerData: settings });
    this.worker = worker;
    this.ready = this.next();
    worker.on('message', (reply: PeerReply) => this.settle((p) => p.resolve(reply)));
    worker.on('error', (e) => this.settle((p) => p.reject(e)));
    worker.on('exit', (code) => this.settle((p) => p.reject(new Error(`face-api worker exited (${code})`))));
  }

  async start(): Promise<Ready> {
    const reply = await this.ready;
    if (reply.kind !== 'ready') throw new Error(`face-api worker: unexpected ${reply.kind} at start`);
    return reply;
  }

  /** The photo's result, or null when face-api could not process it. */
  async analyse(file: string): Promise<PeerPhotoResult | null> {
    const reply = this.next();
    this.worker.postMessage({ file } satisfies PeerRequest);
    const r = await reply;
    if (r.kind === 'photo') return r.result;
    if (r.kind === 'error') return null;
    throw new Error('face-api worker: unexpected ready');
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private next(): Promise<PeerReply> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
    });
  }

  private settle(act: (p: NonNullable<PeerWorker['pending']>) => void): void {
    const p = this.pending;
    this.pending = null;
    if (p) act(p);
  }
}

/** Each worker takes the next photo when done with its last; results in completion order, null for failures. */
async function analyseAll(workers: readonly PeerWorker[], files: readonly string[]): Promise<(PeerPhotoResult | null)[]> {
  const queue = [...files];
  const out: (PeerPhotoResult | null)[] = [];
  const drain = async (w: PeerWorker): Promise<void> => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) out.push(await w.analyse(file));
  };
  await Promise.all(workers.map(drain));
  return out;
}

/** Labelled faces found, counted with the helpers that count our detector (photos missing from `results` are run). */
async function countLabelled(workers: readonly PeerWorker[], results: readonly (PeerPhotoResult | null)[]) {
  const labels = loadDetectionLabels();
  const byFile = new Map(results.flatMap((r) => (r ? [[path.resolve(r.file), r] as const] : [])));
  const missing = labels.filter((l) => !byFile.has(path.resolve(l.file))).map((l) => l.file);
  for (const r of await analyseAll(workers, missing)) if (r) byFile.set(path.resolve(r.file), r);
  return tallyLabelledFaces(labels, (l) => facesOf(byFile.get(path.resolve(l.file)), l));
}

function facesOf(r: PeerPhotoResult | undefined, l: LabelledImage): PeerPhotoResult['faces'] {
  if (!r) throw new Error(`face-api could not process ${l.file}`);
  return r.faces;
}

async function startWorkers(n: number, settings: PeerWorkerData): Promise<{ workers: PeerWorker[]; ready: Ready }> {
  const workers = Array.from({ length: n }, () => new PeerWorker(settings));
  try {
    const [ready] = await Promise.all(workers.map((w) => w.start()));
    return { workers, ready: ready! };
  } catch (e) {
    await Promise.all(workers.map((w) => w.close()));
    throw e;
  }
}

export async function measurePeer(files: readonly string[], options: PeerOptions = {}): Promise<PeerFigures> {
  const n = options.workers ?? 2;
  const maxSide = options.maxSide ?? null;
  const t0 = performance.now();
  const { workers, ready } = await startWorkers(n, { maxSide, minConfidence: options.minConfidence ?? 0.5 });
  try {
    const startS = (performance.now() - t0) / 1000;
    if (files[0] !== undefined) await Promise.all(workers.map((w) => w.analyse(files[0]!)));
    const t1 = performance.now();
    const results = await analyseAll(workers, files);
    const wallS = (performance.now() - t1) / 1000;
    const done = results.filter((r): r is PeerPhotoResult => r !== null);
    const largest = done.reduce<PeerPhotoResult | undefined>((a, r) => (a && a.width * a.height >= r.width * r.height ? a : r), undefined);
    return {
      tool: `@vladmandic/face-api ${ready.version}, TF.js ${ready.backend}${ready.simd ? ' (SIMD)' : ''}, SSD MobileNet v1 + landmarks 68 + recognition net`,
      backend: ready.backend,
      workers: n,
      maxSide,
      photos: files.length,
      failed: files.length - done.length,
      meanInputMegapixels: done.reduce((s, r) => s + r.width * r.height, 0) / Math.max(1, done.length) / 1e6,
      largestInput: largest ? `${largest.width} x ${largest.height}` : '',
      faces: done.reduce((s, r) => s + r.faces.length, 0),
      photosPerS: files.length / wallS,
      wallS,
      startS,
      ...(await countLabelled(workers, results)),
    };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
}

async function main(): Promise<void> {
  const which = process.argv[2] ?? 'both';
  const files = sharedPhotos();
  const out: Record<string, PeerFigures> = {};
  if (which !== '1024') out['fullResolution'] = await measurePeer(files);
  if (which !== 'full') out['longSide1024'] = await measurePeer(files, { maxSide: 1024 });
  process.stdout.write(`${JSON.stringify({ cores: os.cpus().length, loadAverage: os.loadavg()[0], ...out }, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
