import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FaceQualityParts } from '../src-main/common/face.js';
import type { VectorStorage } from '../src-main/common/vector-rows.js';
import { FacetagCore } from '../src-main/node/api/facetag-core.js';
import { LibraryScanner } from '../src-main/node/library/library-scanner.js';
import { openLibrary } from '../src-main/node/library/open-library.js';
import { findRecognizerModel } from '../src-main/node/models/model-store.js';
import { FaceGrouping } from '../src-main/node/people/face-grouping.js';
import { DEFAULT_AUTO_CONFIDENCE } from '../src-main/node/people/people.service.js';
import { openLibraryDatabase } from '../src-main/node/store/database.js';
import { blobToFloats, floatsToBlob } from '../src-main/node/store/embedding-blob.js';
import { SHARED_PHOTOS } from './photo-set.js';

/**
 * A synthetic library at scale, as a real SQLite library file, and the time of the queries the app's pages make.
 *
 * Embeddings: each synthetic person's identity is a real face embedding (passed in, e.g. the cold scan's faces of
 * ../shared/photos; `realEmbeddings()` scans ../shared/photos/identity) moved by Gaussian noise of PERSON_SIGMA per
 * dimension, and each of their faces is that identity plus FACE_SIGMA noise, normalised (the same model as
 * people-scale.ts). The per-face noise comes from a precomputed Gaussian table read at a random offset (drawing
 * 500 million Gaussians would take longer than writing the file).
 *
 * Proportions (defaults, 100,000 photos, 1,000,000 faces): ~60 % of faces belong to a few hundred named people whose
 * sizes fall off like a Zipf law (the biggest has tens of thousands of faces), ~30 % to a long tail of small unnamed
 * groups (1 to ~40 faces), ~10 % are unassigned. 10 % of a named person's faces are confirmed, the rest auto or
 * suggested; every face is marked grouped, and good enough to stand as a reference of its person (trusted).
 * Capture dates run from 2005 to 2025 in photo order.
 */
export interface SyntheticLibraryOptions {
  readonly photos: number;
  readonly faces: number;
  readonly namedPeople?: number;
  readonly unnamedPeople?: number;
  /** Share of faces that belong to named people (default 0.6) and to nobody (default 0.1). */
  readonly namedShare?: number;
  readonly unassignedShare?: number;
  /** Real embeddings to build identities from; random unit vectors when none are given (say so in the results). */
  readonly embeddings?: readonly Float32Array[];
  readonly seed?: number;
}

export interface SyntheticLibrary {
  readonly photos: number;
  readonly faces: number;
  readonly people: number;
  readonly namedPeople: number;
  readonly biggestPersonId: number;
  readonly biggestPersonFaces: number;
  readonly realEmbeddings: number;
  readonly buildSeconds: number;
}

const PERSON_SIGMA = 0.06;
const FACE_SIGMA = 0.025;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
}

function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  const s = 1 / Math.sqrt(n || 1);
  for (let i = 0; i < v.length; i++) v[i]! *= s;
  return v;
}

/** Sizes of `count` groups adding up to about `total`, falling off like 1/rank^exponent. */
function zipfSizes(count: number, total: number, exponent: number, min: number): number[] {
  const weights = Array.from({ length: count }, (_, i) => 1 / (i + 1) ** exponent);
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => Math.max(min, Math.round((w / sum) * total)));
}

/** Builds the library file `dbFile` (replaced if it exists) in one transaction. */
export function buildSyntheticLibrary(dbFile: string, options: SyntheticLibraryOptions): SyntheticLibrary {
  const started = performance.now();
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbFile + suffix, { force: true });
  const random = seeded(options.seed ?? 7);
  const recognizer = findRecognizerModel();
  const dim = recognizer.recognizer.embeddingSize;
  const real = options.embeddings?.length
    ? options.embeddings
    : Array.from({ length: 64 }, () => normalise(Float32Array.from({ length: dim }, () => gaussian(random))));
  const namedCount = options.namedPeople ?? 300;
  const unnamedCount = options.unnamedPeople ?? 50_000;
  const namedFaces = Math.round(options.faces * (options.namedShare ?? 0.6));
  const unassignedFaces = Math.round(options.faces * (options.unassignedShare ?? 0.1));
  const named = zipfSizes(namedCount, namedFaces, 0.75, 200);
  const unnamedTotal = Math.max(0, options.faces - unassignedFaces - named.reduce((a, b) => a + b, 0));
  const unnamed = zipfSizes(unnamedCount, unnamedTotal, 0.6, 1);
  const groupSizes = [...named, ...unnamed];

  // One owner per face slot: person index (or -1), shuffled so that people spread over the photos.
  const owners = new Int32Array(options.faces).fill(-1);
  let slot = 0;
  groupSizes.forEach((size, person) => {
    for (let k = 0; k < size && slot < owners.length; k++) owners[slot++] = person;
  });
  for (let i = owners.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = owners[i]!;
    owners[i] = owners[j]!;
    owners[j] = t;
  }

  const noise = Float32Array.from({ length: 1 << 20 }, () => FACE_SIGMA * gaussian(random));
  const identities = groupSizes.map((_, p) => {
    const base = real[p % real.length]!;
    return normalise(Float32Array.from(base, (x) => x + PERSON_SIGMA * gaussian(random)));
  });

  const db = openLibraryDatabase(dbFile);
  db.pragma('synchronous = OFF');
  const faceIds: number[] = [];
  let biggest = { id: 0, faces: 0 };
  db.transaction(() => {
    const now = new Date().toISOString();
    const folderId = Number(db.prepare("INSERT INTO folders (path, added_at) VALUES ('/synthetic', ?)").run(now).lastInsertRowid);
    const insertPhoto = db.prepare(
      `INSERT INTO photos (folder_id, path, size, mtime_ms, content_hash, format, width, height, orientation, captured_at,
         capture_source, sharpness, detector_id, recognizer_id, indexed_at)
       VALUES (?, ?, ?, ?, ?, 'jpeg', 4000, 3000, 1, ?, 'DateTimeOriginal', ?, 'synthetic', ?, ?)`,
    );
    const insertFace = db.prepare(
      `INSERT INTO faces (photo_id, x1, y1, x2, y2, landmarks, score, quality, quality_parts, embedding, detector_id, recognizer_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'synthetic', ?)`,
    );
    const insertPerson = db.prepare('INSERT INTO people (name, created_at) VALUES (?, ?)');
    const assign = db.prepare(
      'INSERT INTO face_assignments (face_id, person_id, status, confidence, runner_up_person_id, runner_up_confidence) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const grouped = db.prepare('INSERT INTO grouped_faces (face_id) VALUES (?)');
    const personIds = groupSizes.map((_, p) => Number(insertPerson.run(p < namedCount ? `Person ${String(p + 1).padStart(3, '0')}` : null, now).lastInsertRowid));
    biggest = { id: personIds[0]!, faces: groupSizes[0]! };

    const start = Date.UTC(2005, 0, 1);
    const span = Date.UTC(2025, 11, 31) - start;
    const landmarks = floatsToBlob(new Float32Array(10).fill(100));
    const trusted: FaceQualityParts = { sharpness: 0.8, eyeDistancePx: 60, size: 0.9, detectorScore: 0.95, yawDeg: 0, rollDeg: 0, pose: 0.9, exposure: 0.9 };
    const parts = JSON.stringify(trusted);
    const embedding = new Float32Array(dim);
    let face = 0;
    for (let p = 0; p < options.photos; p++) {
      const at = new Date(start + (span * p) / options.photos + Math.floor(random() * 3_600_000)).toISOString().slice(0, 19);
      const year = at.slice(0, 4);
      const photoId = Number(
        insertPhoto.run(folderId, `/synthetic/${year}/IMG_${String(p).padStart(6, '0')}.jpg`, 3_000_000, start + p, `hash${p}`, at, random(), recognizer.id, now).lastInsertRowid,
      );
      // Faces spread over the photos: the rest of the budget divided by the photos left, +-50 %.
      const left = options.photos - p;
      const want = p === options.photos - 1 ? options.faces - face : Math.round(((options.faces - face) / left) * (0.5 + random()));
      for (let k = 0; k < want && face < options.faces; k++, face++) {
        const owner = owners[face]!;
        const identity = identities[owner >= 0 ? owner : face % identities.length]!;
        const offset = Math.floor(random() * (noise.length - dim));
        for (let i = 0; i < dim; i++) embedding[i] = identity[i]! + noise[offset + i]!;
        normalise(embedding);
        const x = 100 + 300 * k;
        const id = Number(
          insertFace.run(photoId, x, 200, x + 250, 500, landmarks, 0.9, 0.3 + 0.7 * random(), parts, floatsToBlob(embedding), recognizer.id).lastInsertRowid,
        );
        faceIds.push(id);
        grouped.run(id);
        if (owner < 0) continue;
        const isNamed = owner < namedCount;
        const r = random();
        const status = isNamed && r < 0.1 ? 'confirmed' : r < 0.7 ? 'auto' : 'suggested';
        const confidence = status === 'confirmed' ? 1 : status === 'auto' ? 0.8 + 0.2 * random() : 0.4 + 0.4 * random();
        const runnerUp = status === 'suggested' ? personIds[Math.floor(random() * namedCount)]! : null;
        assign.run(id, personIds[owner]!, status, confidence, runnerUp, runnerUp === null ? null : confidence * random());
      }
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  db.close();
  return {
    photos: options.photos,
    faces: faceIds.length,
    people: groupSizes.length,
    namedPeople: namedCount,
    biggestPersonId: biggest.id,
    biggestPersonFaces: biggest.faces,
    realEmbeddings: options.embeddings?.length ?? 0,
    buildSeconds: (performance.now() - started) / 1000,
  };
}

export interface LibraryQueryFigures {
  readonly dbBytes: number;
  /** The first people list after opening (fills the people cache when it is cold). */
  readonly firstPeopleListMs: number;
  /** Repeated lists while nothing changed (answered from memory). */
  readonly peopleListMs: number;
  /** A list after an unrelated write (a setting): the people change log says nothing it shows changed. */
  readonly peopleListAfterChangeMs: number;
  /** A list after a person was renamed: that person read again, the list sorted again. */
  readonly peopleListAfterRenameMs: number;
  /** people.get + the first page of photos.list for the biggest named person. */
  readonly personPageMs: number;
  readonly personPageFaces: number;
  readonly reviewQueueMs: number;
  /**
   * RSS (now, and the peak: process.resourceUsage().maxRSS) of a process that only opened the library and answered
   * the queries above: measureLibraryQueries runs them in a child process of its own.
   */
  readonly rssMb: number;
  readonly peakRssMb: number;
  /** Then, in the same process, the suggestion engine (FaceGrouping, its reference index) for new faces. */
  readonly suggestions: SuggestionFigures;
}

export interface SuggestionFigures {
  readonly storage: VectorStorage;
  readonly references: number;
  readonly indexMb: number;
  /** Building the engine from the library (reading the references) and the first suggestion (partitioning them). */
  readonly buildMs: number;
  /** Median time of the candidates for one unassigned face of the library. */
  readonly suggestionMs: number;
  readonly rssMb: number;
  readonly peakRssMb: number;
}

const mb = (bytes: number): number => bytes / 2 ** 20;
const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/** Median time of `work` over `runs` runs after one warm-up; `before` runs untimed before each. */
async function timeIt(runs: number, work: () => unknown, before: () => unknown = () => undefined): Promise<number> {
  await before();
  await work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await before();
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return median(times);
}

/** Builds the suggestion engine as the app does after a scan, and times the candidates for unassigned faces. */
function measureSuggestions(core: FacetagCore, runs: number, storage: VectorStorage): SuggestionFigures {
  const recognizer = findRecognizerModel(core.settings.get().recognizer);
  const repo = core.people.repo;
  let started = performance.now();
  const engine = new FaceGrouping(repo, recognizer.grouping, DEFAULT_AUTO_CONFIDENCE, recognizer.recognizer.embeddingSize, { storage });
  const ids = repo.db.prepare('SELECT id FROM faces WHERE id NOT IN (SELECT face_id FROM face_assignments) LIMIT ?').pluck().all(runs * 10) as number[];
  const faces = ids.map((id) => repo.face(id)!);
  engine.candidatesFor(faces[0]!);
  const buildMs = performance.now() - started;
  const times = faces.map((face) => {
    started = performance.now();
    engine.candidatesFor(face);
    return performance.now() - started;
  });
  return {
    storage,
    references: engine.references.size,
    indexMb: mb(engine.references.bytes),
    buildMs,
    suggestionMs: median(times),
    rssMb: mb(process.memoryUsage().rss),
    peakRssMb: peakRssMb(),
  };
}

/**
 * Times the API handlers the pages call in this process (medians of `runs` runs after one warm-up), then the
 * suggestion engine with its reference index held as `storage`.
 */
export async function measureLibraryQueriesHere(dbFile: string, runs = 5, storage: VectorStorage = 'int8'): Promise<LibraryQueryFigures> {
  const dbBytes = statSync(dbFile).size;
  const core = new FacetagCore(dbFile);
  try {
    const started = performance.now();
    await core.handle('people.list', {});
    const firstPeopleListMs = performance.now() - started;
    const peopleListMs = await timeIt(runs, () => core.handle('people.list', {}));
    let touch = 0;
    const touchSetting = core.library.db.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES ('bench.touch', ?)");
    const list = (): Promise<unknown> => core.handle('people.list', {});
    const peopleListAfterChangeMs = await timeIt(runs, list, () => touchSetting.run(String(touch++)));
    const named = (await core.handle('people.list', {})).filter((p) => p.name !== null);
    const biggest = [...named].sort((a, b) => b.faceCount - a.faceCount)[0]!;
    const renamed = named[named.length >> 1]!;
    const peopleListAfterRenameMs = await timeIt(runs, list, () =>
      core.handle('people.name', { personId: renamed.id, name: `${renamed.name!}${touch++ % 2 === 0 ? ' x' : ''}` }),
    );
    await core.handle('people.name', { personId: renamed.id, name: renamed.name! });
    let personPageFaces = 0;
    const personPageMs = await timeIt(runs, async () => {
      const person = await core.handle('people.get', { personId: biggest.id });
      personPageFaces = person.faces.length;
      await core.handle('photos.list', { offset: 0, limit: 100, personId: biggest.id });
    });
    const reviewQueueMs = await timeIt(runs, () => core.handle('review.queue', { limit: 100 }));
    const rssMb = mb(process.memoryUsage().rss);
    const peak = peakRssMb();
    return {
      dbBytes,
      firstPeopleListMs,
      peopleListMs,
      peopleListAfterChangeMs,
      peopleListAfterRenameMs,
      personPageMs,
      personPageFaces,
      reviewQueueMs,
      rssMb,
      peakRssMb: peak,
      suggestions: measureSuggestions(core, runs, storage),
    };
  } finally {
    await core.close();
  }
}

const CHILD_FLAG = '--queries-only';

/**
 * measureLibraryQueriesHere in a child process of its own (node running this compiled file), so that its memory
 * figures are those of a process that only opened the library and answered the queries.
 */
export async function measureLibraryQueries(dbFile: string, runs = 5, storage: VectorStorage = 'int8'): Promise<LibraryQueryFigures> {
  const self = fileURLToPath(import.meta.url);
  const { stdout } = await promisify(execFile)(process.execPath, [self, dbFile, CHILD_FLAG, '--runs', String(runs), '--index', storage], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout) as LibraryQueryFigures;
}

/** Real embeddings: a scan of ../shared/photos/identity (or `folder`) into a temporary library. */
export async function realEmbeddings(folder = path.join(SHARED_PHOTOS, 'identity')): Promise<Float32Array[]> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'facetag-embeddings-'));
  const library = openLibrary(path.join(work, 'scan.db'));
  const scanner = new LibraryScanner(library.repo);
  try {
    await scanner.scan([folder]);
    return (library.db.prepare('SELECT embedding FROM faces').pluck().all() as Buffer[]).map(blobToFloats);
  } finally {
    await scanner.close();
    library.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * node dist/bench/library-scale.js [dbFile] [--keep] [--photos N] [--faces N] [--reuse] [--index int8|float32]
 * (and [dbFile] --queries-only [--runs N]: the queries in this process, as JSON, for measureLibraryQueries)
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string): number | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const dbFile = args[0] && !args[0].startsWith('--') ? path.resolve(args[0]) : path.join(os.tmpdir(), 'facetag-scale.db');
  const indexAt = args.indexOf('--index');
  const indexStorage: VectorStorage = indexAt >= 0 && args[indexAt + 1] === 'float32' ? 'float32' : 'int8';
  if (args.includes(CHILD_FLAG)) {
    process.stdout.write(JSON.stringify(await measureLibraryQueriesHere(dbFile, flag('--runs') ?? 5, indexStorage)));
    return;
  }
  if (!args.includes('--reuse')) {
    const embeddings = args.includes('--random') ? [] : await realEmbeddings();
    process.stderr.write(`building ${dbFile} from ${embeddings.length} real embeddings…\n`);
    const built = buildSyntheticLibrary(dbFile, { photos: flag('--photos') ?? 100_000, faces: flag('--faces') ?? 1_000_000, embeddings });
    process.stderr.write(`${JSON.stringify(built)}\n`);
  }
  const figures = await measureLibraryQueries(dbFile, 5, indexStorage);
  process.stdout.write(`${JSON.stringify({ ...figures, dbMb: mb(figures.dbBytes) }, null, 2)}\n`);
  if (!args.includes('--keep') && !args.includes('--reuse')) for (const suffix of ['', '-wal', '-shm']) rmSync(dbFile + suffix, { force: true });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
