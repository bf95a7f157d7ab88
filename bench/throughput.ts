import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { Detection } from '../src-main/common/face.js';
import { scaleBox, scaleLandmarks } from '../src-main/common/geometry.js';
import { measureFaceQuality } from '../src-main/common/face-quality.js';
import { IndexWorkerPool, WORKER_INITIAL_OLD_SPACE_MB } from '../src-main/node/library/index-worker-pool.js';
import { loadPhotoFromBuffer, type DecodedPhoto } from '../src-main/node/image/load-image.js';
import { alignFace } from '../src-main/node/vision/face-chip.js';
import { FacePipeline, WORKING_MAX_SIDE, type PipelineOptions } from '../src-main/node/vision/face-pipeline.js';
import { availableExecutionProviders } from '../src-main/node/vision/onnx-session.js';
import { detectWithPolicy } from '../src-main/node/vision/resolution-policy.js';
import { loadDetectionLabels, tallyLabelledFaces } from '../test/support/detection-labels.js';
import { sharedPhotos } from './photo-set.js';

export interface ThroughputFigures {
  readonly photos: number;
  readonly faces: number;
  readonly cores: number;
  /**
   * CPU milliseconds per photo of each stage measured alone, one thread (decode includes second-pass decodes):
   * the cost on one core. CPU time, not wall time: a stage "alone" still runs helper threads (V8's garbage
   * collector, libuv) on the idle second core, which its wall time would get for free.
   */
  readonly decodeMsPerPhoto: number;
  readonly detectMsPerPhoto: number;
  readonly alignEmbedMsPerPhoto: number;
  /** The same stages' wall milliseconds per photo, for reference. */
  readonly stagesWallMsPerPhoto: number;
  /** cores * 1000 / (decode + detect + align/embed CPU per photo). */
  readonly limitPhotosPerS: number;
  /** measurePool over the same photos. */
  readonly pipelinePhotosPerS: number;
  readonly pipelineVsLimit: number;
  /** pipeline / limit of every round, in the order measured (the reported round is the median). */
  readonly roundRatios: readonly number[];
  readonly poolSize: number;
  /** Process CPU time (all threads) per photo of the pipeline (pool) run. */
  readonly pipelineCpuMsPerPhoto: number;
  /** Peak RSS of the process that ran the pool (a fresh one, like an indexing process). */
  readonly indexingPeakRssMb: number;
  /** stages' CPU / pipeline's CPU per photo: 1 when the pipeline spends no CPU beyond the stages. */
  readonly cpuEfficiency: number;
  /** The pipeline run's finds among the labelled faces of detection/. */
  readonly labelled: number;
  readonly found: number;
  readonly falsePositives: number;
}

/** Wall and CPU milliseconds spent in measured calls. */
class StageClock {
  wallMs = 0;
  cpuMs = 0;

  async time<T>(work: () => Promise<T>): Promise<T> {
    const wall = performance.now();
    const cpu = process.cpuUsage();
    try {
      return await work();
    } finally {
      this.wallMs += performance.now() - wall;
      this.cpuMs += cpuMsSince(cpu);
    }
  }

  /** Takes time measured by another clock out of this one (work nested inside this clock's calls). */
  exclude(inner: { wallMs: number; cpuMs: number }): void {
    this.wallMs -= inner.wallMs;
    this.cpuMs -= inner.cpuMs;
  }
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1000;
}

export interface PoolFigures {
  readonly photosPerS: number;
  /** Process CPU time (all threads) per photo. */
  readonly cpuMsPerPhoto: number;
  readonly poolSize: number;
  /** Peak RSS of the process (its workers included): the indexing process's memory, for a caller that runs it alone. */
  readonly peakRssMb: number;
  /** The run's finds on the labelled photos of detection/ (those of `files`), counted as bench/peer-face-api.ts counts. */
  readonly labelled: number;
  readonly found: number;
  readonly falsePositives: number;
}

/**
 * The real indexing path: IndexWorkerPool (default size), 'analyse' tasks over `files`, `passes` times (each pass
 * reads, hashes, decodes and analyses every photo anew: steadier than one short pass, and the last photos' tail, when
 * one worker is left alone with its last photo, weighs half as much), after one warm-up photo per worker.
 */
export async function measurePool(files: readonly string[], pipeline: PipelineOptions = {}, passes = 2): Promise<PoolFigures> {
  const pool = new IndexWorkerPool(pipeline);
  try {
    await pool.ready();
    await Promise.all(files.slice(0, pool.size).map((file) => pool.run({ kind: 'analyse', file })));
    const t = performance.now();
    const cpu = process.cpuUsage();
    const all = Array.from({ length: passes }, () => files).flat();
    const outcomes = await Promise.all(all.map((file) => pool.run({ kind: 'analyse', file })));
    const wallMs = performance.now() - t;
    const cpuMs = cpuMsSince(cpu);
    const outcomeOf = new Map(files.map((file, i) => [path.resolve(file), outcomes[i]!]));
    const tally = tallyLabelledFaces(
      loadDetectionLabels().filter((image) => outcomeOf.has(path.resolve(image.file))),
      (image) => {
        const outcome = outcomeOf.get(path.resolve(image.file))!;
        return outcome.ok && outcome.result.kind === 'analyse' ? outcome.result.faces : [];
      },
    );
    return {
      photosPerS: (all.length * 1000) / wallMs,
      cpuMsPerPhoto: cpuMs / all.length,
      poolSize: pool.size,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      ...tally,
    };
  } finally {
    await pool.close();
  }
}

/** CPU (and wall) milliseconds per photo of each stage alone, one thread. */
export interface StageCosts {
  readonly faces: number;
  readonly decodeMs: number;
  readonly detectMs: number;
  readonly alignEmbedMs: number;
  readonly wallMs: number;
}

/**
 * Each stage alone, one thread, bytes already in memory: decode with shrink-on-load to WORKING_MAX_SIDE plus any
 * second-pass decode the resolution policy asks for; detection with the policy; align + embed + quality of the
 * photo's faces. File reading, hashing, EXIF and the photo's sharpness are pipeline work the limit does not count.
 */
export async function measureStages(files: readonly string[]): Promise<StageCosts> {
  const bytes = files.map((f) => readFileSync(f));
  const decode = new StageClock();
  const detect = new StageClock();
  const alignEmbed = new StageClock();
  let faces = 0;
  const pipeline = await FacePipeline.open({ session: { intraOpThreads: 1 } });
  const vipsThreads = sharp.concurrency();
  sharp.concurrency(1); // one thread: libvips would otherwise decode with one thread per core
  sharp.cache(false); // as in the index workers
  try {
    await pipeline.analyse(await loadPhotoFromBuffer(bytes[0]!, files[0]!, { maxSide: WORKING_MAX_SIDE })); // warm-up
    const decoded: (DecodedPhoto | undefined)[] = [];
    for (let i = 0; i < files.length; i++) {
      decoded.push(await decode.time(() => loadPhotoFromBuffer(bytes[i]!, files[i]!, { maxSide: WORKING_MAX_SIDE })).catch(() => undefined));
    }
    const detections: Detection[][] = [];
    for (let i = 0; i < files.length; i++) {
      const photo = decoded[i];
      if (!photo) {
        detections.push([]);
        continue;
      }
      const secondDecode = new StageClock();
      const load = async (longSide: number) =>
        (await secondDecode.time(() => loadPhotoFromBuffer(bytes[i]!, files[i]!, { maxSide: longSide }))).pixels;
      const found = await detect.time(() =>
        detectWithPolicy(pipeline.detector, { width: photo.width, height: photo.height, pixels: photo.pixels, load }),
      );
      detect.exclude(secondDecode);
      decode.wallMs += secondDecode.wallMs;
      decode.cpuMs += secondDecode.cpuMs;
      detections.push(found.faces.map((d) => ({ ...d, box: scaleBox(d.box, photo.scale), landmarks: scaleLandmarks(d.landmarks, photo.scale) })));
    }
    const { recognizer } = pipeline;
    for (let i = 0; i < files.length; i++) {
      const photo = decoded[i];
      if (!photo || detections[i]!.length === 0) continue;
      await alignEmbed.time(async () => {
        const chips = detections[i]!.map((d) => alignFace(photo.pixels, d.landmarks, recognizer.template, recognizer.chipSize));
        await recognizer.embed(chips);
        detections[i]!.forEach((d, j) => measureFaceQuality(d, chips[j]!, photo.scale));
      });
      faces += detections[i]!.length;
    }
  } finally {
    sharp.concurrency(vipsThreads);
    sharp.cache(true);
    await pipeline.close();
  }
  const n = files.length;
  return {
    faces,
    decodeMs: decode.cpuMs / n,
    detectMs: detect.cpuMs / n,
    alignEmbedMs: alignEmbed.cpuMs / n,
    wallMs: (decode.wallMs + detect.wallMs + alignEmbed.wallMs) / n,
  };
}

/** A part of the measurement in a child process of its own (node running this compiled file), as JSON. */
async function inFreshProcess<T>(part: 'pool' | 'stages', files: readonly string[]): Promise<T> {
  const list = path.join(mkdtempSync(path.join(os.tmpdir(), 'facetag-throughput-')), 'files.json');
  writeFileSync(list, JSON.stringify(files));
  try {
    // The stages run with the V8 heap settings of the index workers (which the pool sets for its own).
    const v8Flags = [`--initial-old-space-size=${WORKER_INITIAL_OLD_SPACE_MB}`];
    const { stdout } = await promisify(execFile)(process.execPath, [...v8Flags, fileURLToPath(import.meta.url), PART_FLAG, part, list], {
      maxBuffer: 1 << 20,
    });
    return JSON.parse(stdout) as T;
  } finally {
    rmSync(path.dirname(list), { recursive: true, force: true });
  }
}

const PART_FLAG = '--part';

/**
 * The limit of this stack and the real indexing path's throughput on the same photos. The limit: measureStages' CPU
 * per photo summed and divided over os.availableParallelism() cores. Each is measured in a fresh process (as the
 * app's index workers start in a process that has not just decoded hundreds of photos), `rounds` times, one after
 * the other: a shared machine's speed drifts by more than the difference measured. The round with the median ratio
 * is reported.
 */
export async function measureThroughput(files: readonly string[], rounds = Number(process.env['FACETAG_BENCH_ROUNDS'] ?? 5)): Promise<ThroughputFigures> {
  const cores = os.availableParallelism();
  const measured: { pool: PoolFigures; stages: StageCosts; ratio: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const pool = await inFreshProcess<PoolFigures>('pool', files);
    const stages = await inFreshProcess<StageCosts>('stages', files);
    const limit = (cores * 1000) / (stages.decodeMs + stages.detectMs + stages.alignEmbedMs);
    measured.push({ pool, stages, ratio: pool.photosPerS / limit });
  }
  const { pool, stages } = [...measured].sort((a, b) => a.ratio - b.ratio)[measured.length >> 1]!;
  const stagesCpuMs = stages.decodeMs + stages.detectMs + stages.alignEmbedMs;
  const limitPhotosPerS = (cores * 1000) / stagesCpuMs;
  return {
    photos: files.length,
    faces: stages.faces,
    cores,
    decodeMsPerPhoto: stages.decodeMs,
    detectMsPerPhoto: stages.detectMs,
    alignEmbedMsPerPhoto: stages.alignEmbedMs,
    stagesWallMsPerPhoto: stages.wallMs,
    limitPhotosPerS,
    pipelinePhotosPerS: pool.photosPerS,
    pipelineVsLimit: pool.photosPerS / limitPhotosPerS,
    roundRatios: measured.map((m) => m.ratio),
    poolSize: pool.poolSize,
    pipelineCpuMsPerPhoto: pool.cpuMsPerPhoto,
    indexingPeakRssMb: Math.max(...measured.map((m) => m.pool.peakRssMb)),
    cpuEfficiency: stagesCpuMs / pool.cpuMsPerPhoto,
    labelled: pool.labelled,
    found: pool.found,
    falsePositives: pool.falsePositives,
  };
}

/** Camera-size copies: each photo upright, its long side 4000 px (4000 x 3000 for 4:3), JPEG quality 90. */
export async function cameraSizeCopies(files: readonly string[], dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const [i, file] of files.entries()) {
    const target = path.join(dir, `${String(i).padStart(3, '0')}.jpg`);
    try {
      await sharp(file).rotate().resize({ width: 4000, height: 4000, fit: 'inside' }).jpeg({ quality: 90 }).toFile(target);
      out.push(target);
    } catch {
      // unreadable originals are skipped
    }
  }
  return out;
}

function describe(label: string, f: ThroughputFigures): string {
  const r = (x: number, d = 1) => x.toFixed(d);
  return (
    `${label}: ${f.photos} photos, ${f.faces} faces, ${f.cores} cores | CPU per photo: decode ${r(f.decodeMsPerPhoto)} ms, ` +
    `detect ${r(f.detectMsPerPhoto)} ms, align+embed ${r(f.alignEmbedMsPerPhoto)} ms (wall ${r(f.stagesWallMsPerPhoto)} ms) | limit ` +
    `${r(f.limitPhotosPerS)} photos/s, pipeline (pool of ${f.poolSize}) ${r(f.pipelinePhotosPerS)} photos/s = ` +
    `${r(f.pipelineVsLimit, 2)} of the limit (rounds: ${f.roundRatios.map((x) => r(x, 2)).join(', ')}) | pipeline CPU ${r(f.pipelineCpuMsPerPhoto)} ms per photo ` +
    `(efficiency ${r(f.cpuEfficiency, 2)}) | labelled faces found ${f.found} of ${f.labelled} | load average ${r(os.loadavg()[0]!, 2)}`
  );
}

/**
 * node dist/bench/throughput.js [originals|12mp|both] [copies-folder] | --execution-provider <ep>
 * (and --part pool|stages <files.json>: one part in this process, as JSON, for measureThroughput)
 */
async function main(): Promise<void> {
  const part = process.argv.indexOf(PART_FLAG);
  if (part >= 0) {
    const files = JSON.parse(readFileSync(process.argv[part + 2]!, 'utf8')) as string[];
    const figures = process.argv[part + 1] === 'pool' ? await measurePool(files) : await measureStages(files);
    process.stdout.write(JSON.stringify(figures));
    return;
  }
  const originals = sharedPhotos();
  const ep = process.argv.indexOf('--execution-provider');
  if (ep >= 0) {
    // The pipeline on a GPU execution provider against the same pipeline on the CPU, in one run.
    const provider = availableExecutionProviders().find((a) => a === process.argv[ep + 1]);
    if (!provider) throw new Error(`--execution-provider: one of ${availableExecutionProviders().join(', ')} on this computer`);
    const cpu = await measurePool(originals);
    const other = await measurePool(originals, { session: { executionProviders: [provider] } });
    process.stdout.write(
      `pipeline on ${provider}: ${other.photosPerS.toFixed(1)} photos/s (${other.found} of ${other.labelled} labelled faces) | on the CPU: ` +
        `${cpu.photosPerS.toFixed(1)} photos/s (${cpu.found} of ${cpu.labelled}) | speed-up ${(other.photosPerS / cpu.photosPerS).toFixed(2)}\n`,
    );
    return;
  }
  const which = process.argv[2] ?? 'both';
  if (which !== '12mp') process.stdout.write(`${describe('originals', await measureThroughput(originals))}\n`);
  if (which !== 'originals') {
    // argv[3]: a folder of copies made by an earlier run, to skip making them again.
    const reuse = process.argv[3];
    const dir = reuse ?? mkdtempSync(path.join(os.tmpdir(), 'facetag-12mp-'));
    try {
      const copies = reuse ? readdirSync(dir).sort().map((f) => path.join(dir, f)) : await cameraSizeCopies(originals, dir);
      process.stdout.write(`${describe(`12 MP copies (${copies.length} of ${originals.length})`, await measureThroughput(copies))}\n`);
    } finally {
      if (!reuse) rmSync(dir, { recursive: true, force: true });
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
