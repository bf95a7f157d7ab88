import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Index, MetricKind, ScalarKind } from 'usearch';
import { seeded, syntheticFaces, syntheticQueries, unknownQueries } from './people-scale.js';
import { identityFaces } from './vector-search.js';

/**
 * The maintained alternative to Facetag's reference index: usearch's HNSW graph (Apache-2.0, prebuilt for Node), on
 * the synthetic references of bench/vector-search.ts, with recall@k against exact search. Not part of `npm run bench`
 * (building the graph over 1,000,000 faces takes minutes); run `node --expose-gc dist/bench/hnsw-comparison.js
 * [faces] [f32|i8]` and compare with `node --expose-gc dist/bench/vector-search.js [faces]`.
 */
export interface HnswFigures {
  readonly faces: number;
  readonly quantization: 'f32' | 'i8';
  readonly k: number;
  readonly buildSeconds: number;
  /** RSS growth from adding the references (the vectors are also held once by this script, outside the index). */
  readonly rssGrowthMb: number;
  readonly searchMs: number;
  readonly exactSearchMs: number;
  /** Share of exact search's k nearest references that the graph returned. */
  readonly recallAtK: number;
}

const rssMb = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 2 ** 20;
};

/** The k smallest squared distances' row numbers, by a full scan. */
function exactNearest(all: Float32Array, dim: number, q: Float32Array, k: number): Set<number> {
  const best: { row: number; d: number }[] = [];
  const rows = all.length / dim;
  for (let row = 0; row < rows; row++) {
    let d = 0;
    for (let j = 0, o = row * dim; j < dim; j++, o++) d += (all[o]! - q[j]!) ** 2;
    if (best.length === k && d >= best[k - 1]!.d) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]!.d > d) at--;
    best.splice(at, 0, { row, d });
    if (best.length > k) best.pop();
  }
  return new Set(best.map((b) => b.row));
}

export async function measureHnsw(faces: number, quantization: 'f32' | 'i8' = 'f32', k = 100, queryCount = 200): Promise<HnswFigures> {
  const { all: real } = await identityFaces();
  const dim = real[0]!.length;
  const random = seeded(faces);
  const vectors = new Float32Array(faces * dim);
  let n = 0;
  const identities = syntheticFaces(real, faces, random, (_faceId, _personId, embedding) => vectors.set(embedding, dim * n++));
  const before = rssMb();
  const index = new Index({
    metric: MetricKind.L2sq,
    dimensions: dim,
    quantization: quantization === 'i8' ? ScalarKind.I8 : ScalarKind.F32,
    connectivity: 16,
    expansion_add: 128,
    expansion_search: 2 * k,
    multi: false,
  });
  let started = performance.now();
  index.add(BigUint64Array.from({ length: faces }, (_, i) => BigInt(i)), vectors, 0);
  const buildSeconds = (performance.now() - started) / 1000;
  const rssGrowthMb = rssMb() - before;
  const half = queryCount >> 1;
  const queries = [...syntheticQueries(identities, half, random), ...unknownQueries(real, queryCount - half, random)];
  let searchMs = 0;
  let exactSearchMs = 0;
  let hits = 0;
  for (const q of queries) {
    started = performance.now();
    const found = index.search(q, k, 1);
    searchMs += performance.now() - started;
    started = performance.now();
    const exact = exactNearest(vectors, dim, q, k);
    exactSearchMs += performance.now() - started;
    for (const key of found.keys) if (exact.has(Number(key))) hits++;
  }
  return {
    faces,
    quantization,
    k,
    buildSeconds,
    rssGrowthMb,
    searchMs: searchMs / queries.length,
    exactSearchMs: exactSearchMs / queries.length,
    recallAtK: hits / (k * queries.length),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const faces = Number(process.argv[2] ?? 1_000_000);
  const quantization = process.argv[3] === 'i8' ? 'i8' : 'f32';
  process.stdout.write(`${JSON.stringify(await measureHnsw(faces, quantization))}\n`);
}
