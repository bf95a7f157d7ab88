import { bcubed } from '../../common/bcubed.js';
import type { FaceQualityParts } from '../../common/face.js';
import { euclidean, isTrustedFace, type ReferenceIndexOptions } from '../../common/grouping.js';
import type { GroupingSettings } from '../../common/model-manifest.js';
import { openLibraryDatabase } from '../store/database.js';
import { floatsToBlob } from '../store/embedding-blob.js';
import { PeopleRepository } from '../store/people.repository.js';
import { FaceGrouping } from './face-grouping.js';

/** One labelled face: who it is, and what the pipeline made of it. */
export interface LabelledFace {
  readonly person: string;
  readonly embedding: Float32Array;
  readonly quality: number;
  readonly parts: FaceQualityParts;
}

export interface PairCalibration {
  readonly samePairs: number;
  readonly differentPairs: number;
  readonly rocAuc: number;
  /** The distance threshold with the best same/different accuracy, and that accuracy. */
  readonly threshold: number;
  readonly accuracy: number;
  /** Logistic P(same | distance) = 1 / (1 + exp((d - midpoint) / scale)). */
  readonly midpoint: number;
  readonly scale: number;
}

export interface GroupingCalibration {
  readonly assign: number;
  readonly merge: number;
  /** Mean and worst BCubed F1 over the simulated arrival orders, at the chosen thresholds. */
  readonly meanF1: number;
  readonly minF1: number;
  readonly table: { assign: number; merge: number; meanF1: number; minF1: number }[];
}

function pairs(faces: readonly LabelledFace[]): { d: number; same: boolean }[] {
  const out: { d: number; same: boolean }[] = [];
  for (let i = 0; i < faces.length; i++) {
    for (let j = i + 1; j < faces.length; j++) {
      out.push({ d: euclidean(faces[i]!.embedding, faces[j]!.embedding), same: faces[i]!.person === faces[j]!.person });
    }
  }
  return out;
}

/** Fits P(same | d) = sigmoid(a + b d) by Newton's method (logistic regression on one feature). */
function fitLogistic(samples: readonly { d: number; same: boolean }[]): { midpoint: number; scale: number } {
  let a = 0;
  let b = 0;
  for (let iteration = 0; iteration < 50; iteration++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    for (const { d, same } of samples) {
      const p = 1 / (1 + Math.exp(-(a + b * d)));
      const err = (same ? 1 : 0) - p;
      const w = p * (1 - p);
      ga += err;
      gb += err * d;
      haa += w;
      hab += w * d;
      hbb += w * d * d;
    }
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a += da;
    b += db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  // sigmoid(a + b d) = 1 / (1 + exp(-(a + b d))) = 1 / (1 + exp((d - m) / s)) with m = -a / b, s = -1 / b.
  return { midpoint: -a / b, scale: -1 / b };
}

export function calibratePairs(faces: readonly LabelledFace[]): PairCalibration {
  const samples = pairs(faces).sort((x, y) => x.d - y.d);
  const same = samples.filter((s) => s.same).length;
  const different = samples.length - same;
  // AUC: probability that a random same pair is closer than a random different pair.
  let differentSeen = 0;
  let closerCount = 0;
  for (let i = samples.length - 1; i >= 0; i--) {
    if (samples[i]!.same) closerCount += differentSeen;
    else differentSeen++;
  }
  let best = { threshold: 0, correct: different };
  let sameBelow = 0;
  let differentBelow = 0;
  for (let i = 0; i < samples.length; i++) {
    if (samples[i]!.same) sameBelow++;
    else differentBelow++;
    const next = samples[i + 1]?.d ?? samples[i]!.d + 1e-3;
    const correct = sameBelow + (different - differentBelow);
    if (correct > best.correct) best = { threshold: (samples[i]!.d + next) / 2, correct };
  }
  return {
    samePairs: same,
    differentPairs: different,
    rocAuc: closerCount / (same * different),
    threshold: best.threshold,
    accuracy: best.correct / samples.length,
    ...fitLogistic(samples),
  };
}

/** A deterministic shuffle (so calibration is repeatable). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Runs the shipped grouping on the labelled faces arriving in batches (a library growing scan by scan), in a
 * throw-away in-memory library, and scores it with BCubed F1 (each face its own photo). `index` sets up the
 * reference index (e.g. its storage, to measure what int8 costs).
 */
export function groupingF1(faces: readonly LabelledFace[], settings: GroupingSettings, seed: number, index: ReferenceIndexOptions = {}): number {
  const db = openLibraryDatabase(':memory:');
  try {
    const folder = Number(db.prepare("INSERT INTO folders (path, added_at) VALUES ('/calibration', '')").run().lastInsertRowid);
    const insertPhoto = db.prepare("INSERT INTO photos (folder_id, path, size, mtime_ms, indexed_at) VALUES (?, ?, 0, 0, '')");
    const insertFace = db.prepare(
      `INSERT INTO faces (photo_id, x1, y1, x2, y2, landmarks, score, quality, quality_parts, embedding, detector_id, recognizer_id)
       VALUES (?, 0, 0, 1, 1, x'', ?, ?, ?, ?, '', '')`,
    );
    const repo = new PeopleRepository(db);
    const order = shuffled(faces.map((_, i) => i), seed);
    const faceIds = new Map<number, number>();
    let s = seed;
    for (let start = 0; start < order.length; ) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const batch = order.slice(start, start + 1 + (s % 12));
      start += batch.length;
      for (const i of batch) {
        const f = faces[i]!;
        const photo = Number(insertPhoto.run(folder, `/calibration/${i}.jpg`).lastInsertRowid);
        faceIds.set(i, Number(insertFace.run(photo, f.parts.detectorScore, f.quality, JSON.stringify(f.parts), floatsToBlob(f.embedding)).lastInsertRowid));
      }
      new FaceGrouping(repo, settings, 0.8, faces[0]!.embedding.length, index).groupNewFaces();
    }
    const personOf = db.prepare('SELECT person_id FROM face_assignments WHERE face_id = ?').pluck();
    const predicted = faces.map((_, i) => (personOf.get(faceIds.get(i)!) as number | undefined) ?? null);
    return bcubed(predicted, faces.map((f) => f.person)).f1;
  } finally {
    db.close();
  }
}

/**
 * Chooses the assign and merge thresholds: the pair with the best mean BCubed F1 over `orders` simulated arrival
 * orders, ties going to the best worst case and then to the middle of the grid's plateau.
 */
export function calibrateGrouping(faces: readonly LabelledFace[], base: GroupingSettings, grid: readonly number[], orders = 24): GroupingCalibration {
  const trusted = faces.filter((f) => isTrustedFace(f.parts, base));
  const table: GroupingCalibration['table'] = [];
  for (const assign of grid) {
    for (const merge of grid) {
      const settings = { ...base, assign, merge };
      const scores = Array.from({ length: orders }, (_, k) => groupingF1(trusted, settings, 1000 + k));
      table.push({ assign, merge, meanF1: scores.reduce((a, b) => a + b, 0) / orders, minF1: Math.min(...scores) });
    }
  }
  const score = (r: (typeof table)[number]): number => r.meanF1 + r.minF1;
  const top = Math.max(...table.map(score));
  const plateau = table.filter((r) => score(r) >= top - 1e-9);
  const middle = plateau[Math.floor(plateau.length / 2)]!;
  return { assign: middle.assign, merge: middle.merge, meanF1: middle.meanF1, minF1: middle.minF1, table };
}
