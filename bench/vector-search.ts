import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { boxArea } from '../src-main/common/geometry.js';
import { ReferenceIndex, type Candidate, isTrustedFace } from '../src-main/common/grouping.js';
import { int8RoundTrip, type VectorStorage } from '../src-main/common/vector-rows.js';
import type { GroupingSettings } from '../src-main/common/model-manifest.js';
import { findRecognizerModel } from '../src-main/node/models/model-store.js';
import { groupingF1, type LabelledFace } from '../src-main/node/people/calibrate.js';
import { packageRoot } from '../src-main/node/util/package-root.js';
import { FacePipeline } from '../src-main/node/vision/face-pipeline.js';
import { jitter, seeded, syntheticFaces, syntheticQueries, unknownQueries } from './people-scale.js';
import { SHARED_PHOTOS } from './photo-set.js';

/** Candidates are looked at up to this far beyond the largest threshold (as FaceGrouping does). */
const CANDIDATE_MARGIN = 0.15;

export interface VectorSearchFigures {
  readonly faces: number;
  readonly storage: VectorStorage;
  /** Median time of one suggestion (candidates for one new face): full scan, and the partitioned index. */
  readonly exactSuggestionMs: number;
  readonly indexSuggestionMs: number;
  /** Share of queries whose candidates (people and links under the cutoff) equal the full scan's. */
  readonly recall: number;
  /** Share of the full scan's (person, link) pairs the index returned with the same link. */
  readonly pairRecall: number;
  /** Share of queries whose candidates with a link under merge + margin (those FaceGrouping acts on) equal the full scan's. */
  readonly decisionRecall: number;
  /** Share of queries with the same best candidate (or none) as the full scan. */
  readonly bestRecall: number;
  readonly queries: number;
  /** Placing 1,000 new faces one after the other (search, then add), with the index. */
  readonly group1000Ms: number;
  /** Building the partition (first query). */
  readonly buildMs: number;
  readonly indexBytes: number;
  /** Process RSS and heap growth from building the index (MB), and the RSS after. */
  readonly rssGrowthMb: number;
  readonly heapGrowthMb: number;
  readonly rssMb: number;
}

const mb = (bytes: number): number => bytes / 2 ** 20;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

function sameCandidates(a: readonly Candidate[], b: readonly Candidate[]): boolean {
  return a.length === b.length && a.every((c, i) => c.personId === b[i]!.personId && Math.abs(c.link - b[i]!.link) < 1e-6);
}

/**
 * Suggestion time, recall against the full scan, grouping of 1,000 new faces and memory, for `faces` synthetic
 * references (bench/people-scale.ts's generator). A third of the queries are new faces of people in the library, a
 * third faces of people not in it, a third faces half-way between two people made from the same real face (several
 * candidates with links near the thresholds: the hard case). Run node with --expose-gc for steady memory figures.
 * `storage`: how the index holds its references (the app's default, int8, or float32 to compare).
 */
export function measureVectorSearch(real: Float32Array[], faces: number, queryCount = 1000, storage: VectorStorage = 'int8'): VectorSearchFigures {
  const settings = findRecognizerModel().grouping;
  const cutoff = Math.max(settings.assign, settings.merge, settings.suggest) + CANDIDATE_MARGIN;
  const k = settings.neighbours;
  const random = seeded(faces);
  gc();
  const before = process.memoryUsage();
  const index = new ReferenceIndex(real[0]!.length, faces + 2000, { storage });
  const identities = syntheticFaces(real, faces, random, (faceId, personId, embedding) => index.add(faceId, personId, faceId, embedding));
  const third = Math.ceil(queryCount / 3);
  const known = syntheticQueries(identities, third, random);
  const unknown = unknownQueries(real, third, random);
  const between = Array.from({ length: third }, () => {
    const a = Math.floor(random() * (identities.length - real.length));
    const b = a + real.length; // the same real face's next synthetic person
    return jitter(identities[a]!.map((v, d) => (v + identities[b]![d]!) / 2), 0.025, random);
  });
  const queries = known.flatMap((q, i) => [q, unknown[i]!, between[i]!]).slice(0, queryCount);
  let started = performance.now();
  index.candidates(queries[0]!, k, cutoff);
  const buildMs = performance.now() - started;
  gc();
  const after = process.memoryUsage();

  const exactTimes: number[] = [];
  const indexTimes: number[] = [];
  let same = 0;
  let sameBest = 0;
  let sameDecisions = 0;
  const decisionLink = settings.merge + CANDIDATE_MARGIN;
  let pairs = 0;
  let pairsFound = 0;
  for (const q of queries) {
    started = performance.now();
    const fast = index.candidates(q, k, cutoff);
    indexTimes.push(performance.now() - started);
    started = performance.now();
    const exact = index.exactCandidates(q, k, cutoff);
    exactTimes.push(performance.now() - started);
    if (sameCandidates(fast, exact)) same++;
    if (fast[0]?.personId === exact[0]?.personId) sameBest++;
    if (sameCandidates(fast.filter((c) => c.link < decisionLink), exact.filter((c) => c.link < decisionLink))) sameDecisions++;
    pairs += exact.length;
    const found = new Map(fast.map((c) => [c.personId, c.link]));
    pairsFound += exact.filter((c) => Math.abs((found.get(c.personId) ?? Infinity) - c.link) < 1e-6).length;
  }

  const arrivals = syntheticQueries(identities, 1000, random);
  started = performance.now();
  arrivals.forEach((q, i) => {
    const [best] = index.candidates(q, k, cutoff);
    index.add(faces + i + 1, best && best.link < settings.assign ? best.personId : 1e9 + i, faces + i + 1, q);
  });
  const group1000Ms = performance.now() - started;
  return {
    faces,
    storage,
    exactSuggestionMs: median(exactTimes),
    indexSuggestionMs: median(indexTimes),
    recall: same / queries.length,
    decisionRecall: sameDecisions / queries.length,
    pairRecall: pairs === 0 ? 1 : pairsFound / pairs,
    bestRecall: sameBest / queries.length,
    queries: queries.length,
    group1000Ms,
    buildMs,
    indexBytes: index.bytes,
    rssGrowthMb: mb(after.rss - before.rss),
    heapGrowthMb: mb(after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers),
    rssMb: mb(after.rss),
  };
}

/** An embedding stored as int8 with one fixed scale for every vector (an alternative to the index's own int8). */
function globallyQuantised(embedding: Float32Array, scale: number): Float32Array {
  return embedding.map((v) => Math.max(-127, Math.min(127, Math.round(v / scale))) * scale);
}

export interface StorageFigures {
  readonly faces: number;
  readonly orders: number;
  readonly float32: { bytesPerFace: number; meanF1: number; minF1: number };
  /** The reference index's int8 (one scale per vector); queries stay float32, as in the app. */
  readonly int8PerVector: { bytesPerFace: number; meanF1: number; minF1: number; maxDistanceError: number };
  readonly int8Global: { bytesPerFace: number; meanF1: number; minF1: number; maxDistanceError: number; scale: number };
}

/**
 * Grouping quality (BCubed F1 over `orders` arrival orders, calibrate.ts's procedure) with the reference index
 * holding float32 or int8 (one scale per vector, the app's choice) embeddings, and with embeddings stored as int8
 * with one global scale; maxDistanceError: the largest change of a pair's distance when both are stored so.
 */
export function measureEmbeddingStorage(faces: readonly LabelledFace[], settings: GroupingSettings, orders = 24): StorageFigures {
  const trusted = faces.filter((f) => isTrustedFace(f.parts, settings));
  const dim = trusted[0]!.embedding.length;
  let max = 0;
  for (const f of trusted) for (const v of f.embedding) max = Math.max(max, Math.abs(v));
  const globalScale = (max * 1.25) / 127; // headroom for faces beyond the labelled ones
  const score = (set: readonly LabelledFace[], storage: VectorStorage): { meanF1: number; minF1: number } => {
    const scores = Array.from({ length: orders }, (_, i) => groupingF1(set, settings, 1000 + i, { storage }));
    return { meanF1: scores.reduce((a, b) => a + b, 0) / orders, minF1: Math.min(...scores) };
  };
  const maxDistanceError = (stored: (v: Float32Array) => Float32Array): number => {
    const set = trusted.map((f) => stored(f.embedding));
    let error = 0;
    for (let i = 0; i < set.length; i++) {
      for (let j = i + 1; j < set.length; j++) {
        error = Math.max(error, Math.abs(distance(set[i]!, set[j]!) - distance(trusted[i]!.embedding, trusted[j]!.embedding)));
      }
    }
    return error;
  };
  const global = trusted.map((f) => ({ ...f, embedding: globallyQuantised(f.embedding, globalScale) }));
  return {
    faces: trusted.length,
    orders,
    float32: { bytesPerFace: dim * 4, ...score(trusted, 'float32') },
    int8PerVector: { bytesPerFace: dim + 4, ...score(trusted, 'int8'), maxDistanceError: maxDistanceError(int8RoundTrip) },
    int8Global: {
      bytesPerFace: dim,
      ...score(global, 'float32'),
      maxDistanceError: maxDistanceError((v) => globallyQuantised(v, globalScale)),
      scale: globalScale,
    },
  };
}

/** measureEmbeddingStorage on the labelled faces of ../shared/photos/identity (for bench/run-bench.ts). */
export async function measureIdentityStorage(orders = 24): Promise<StorageFigures> {
  const { labelled } = await identityFaces();
  return measureEmbeddingStorage(labelled, findRecognizerModel().grouping, orders);
}

function distance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(sum);
}

/**
 * The labelled faces of ../shared/photos/identity (the largest trusted face of each photo) and every face's
 * embedding, cached in bench/out.
 */
export async function identityFaces(): Promise<{ labelled: LabelledFace[]; all: Float32Array[] }> {
  const cache = path.join(packageRoot(), 'bench', 'out', 'identity-embeddings.json');
  if (existsSync(cache)) {
    const data = JSON.parse(readFileSync(cache, 'utf8')) as { labelled: (Omit<LabelledFace, 'embedding'> & { embedding: number[] })[]; all: number[][] };
    return { labelled: data.labelled.map((f) => ({ ...f, embedding: Float32Array.from(f.embedding) })), all: data.all.map((e) => Float32Array.from(e)) };
  }
  const model = findRecognizerModel();
  const dir = path.join(SHARED_PHOTOS, 'identity');
  const [, ...rows] = readFileSync(path.join(dir, 'labels.csv'), 'utf8').trim().split(/\r?\n/);
  const pipeline = await FacePipeline.open();
  const labelled: LabelledFace[] = [];
  const all: Float32Array[] = [];
  try {
    for (const row of rows) {
      const [file, person] = row.split(',');
      const full = [path.join(dir, file!), path.join(SHARED_PHOTOS, file!)].find((f) => existsSync(f));
      if (!full) continue;
      const analysis = await pipeline.analyseFile(full);
      all.push(...analysis.faces.map((f) => f.embedding));
      const largest = analysis.faces.filter((f) => isTrustedFace(f.quality, model.grouping)).sort((a, b) => boxArea(b.box) - boxArea(a.box))[0];
      if (largest) labelled.push({ person: person!, embedding: largest.embedding, quality: largest.quality.overall, parts: largest.quality });
    }
  } finally {
    await pipeline.close();
  }
  mkdirSync(path.dirname(cache), { recursive: true });
  writeFileSync(cache, JSON.stringify({ labelled: labelled.map((f) => ({ ...f, embedding: [...f.embedding] })), all: all.map((e) => [...e]) }));
  return { labelled, all };
}

/** node --expose-gc dist/bench/vector-search.js [faces...] [--queries N] [--storage] [--float32] */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const queriesAt = args.indexOf('--queries');
  const queries = queriesAt >= 0 ? Number(args[queriesAt + 1]) : 1000;
  const sizes = args.filter((a, i) => /^\d+$/.test(a) && i !== queriesAt + 1).map(Number);
  const storage: VectorStorage = args.includes('--float32') ? 'float32' : 'int8';
  const { labelled, all } = await identityFaces();
  process.stderr.write(`${all.length} real embeddings, ${labelled.length} labelled faces\n`);
  if (args.includes('--storage')) {
    process.stdout.write(`${JSON.stringify(measureEmbeddingStorage(labelled, findRecognizerModel().grouping))}\n`);
  }
  for (const faces of sizes) process.stdout.write(`${JSON.stringify(measureVectorSearch(all, faces, queries, storage))}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
