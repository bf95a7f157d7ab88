import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { bcubed, type BCubedScore } from '../../src-main/common/bcubed.js';
import type { FaceQualityParts } from '../../src-main/common/face.js';
import type { Box } from '../../src-main/common/geometry.js';
import { isTrustedFace } from '../../src-main/common/grouping.js';
import type { ScanSummary } from '../../src-main/common/library.js';
import type { GroupingSettings } from '../../src-main/common/model-manifest.js';
import type { AssignmentStatus } from '../../src-main/common/people.js';
import { LibraryScanner } from '../../src-main/node/library/library-scanner.js';
import { openLibrary, type Library } from '../../src-main/node/library/open-library.js';
import { findRecognizerModel } from '../../src-main/node/models/model-store.js';
import { PeopleService } from '../../src-main/node/people/people.service.js';
import type { LibraryDatabase } from '../../src-main/node/store/database.js';
import { SHARED_PHOTOS } from './paths.js';

/**
 * Helpers for the people tests: real photos from ../shared/photos copied into temporary folders, real scans (the
 * worker threads run the compiled build in dist/), real SQLite.
 */

export const IDENTITY_DIR = path.join(SHARED_PHOTOS, 'identity');
export const GROUPS_DIR = path.join(SHARED_PHOTOS, 'groups');

export interface LabelledPhoto {
  /** Path relative to identity/, e.g. "angelina_jolie/deepface_img1.jpg". */
  readonly relative: string;
  readonly person: string;
}

/** identity/labels.csv: 61 photos of 13 people (the labelled person is the largest face). */
export async function identityLabels(): Promise<LabelledPhoto[]> {
  const lines = (await readFile(path.join(IDENTITY_DIR, 'labels.csv'), 'utf8')).trim().split('\n').slice(1);
  return lines.map((line) => {
    const [file, person] = line.split(',');
    return { relative: path.relative('identity', file!), person: person! };
  });
}

/** Copies labelled photos into `target/<person>/<file>`; returns the copies' absolute paths, in order. */
export async function copyLabelled(target: string, photos: readonly LabelledPhoto[]): Promise<string[]> {
  const copies: string[] = [];
  for (const photo of photos) {
    const copy = path.join(target, photo.relative);
    await mkdir(path.dirname(copy), { recursive: true });
    await copyFile(path.join(IDENTITY_DIR, photo.relative), copy);
    copies.push(copy);
  }
  return copies;
}

/** Copies the group photos (not labels.csv) into `target`; returns the copies' paths. */
export async function copyGroups(target: string): Promise<string[]> {
  await mkdir(target, { recursive: true });
  const names = ['commons_Group_Photo_NWPApril2021.jpg', 'deepface_couple.jpg', 'deepface_selfie-many-people.jpg', 'dlib_bald_guys.jpg', 'insightface_t1.jpg'];
  const copies: string[] = [];
  for (const name of names) {
    await copyFile(path.join(GROUPS_DIR, name), path.join(target, name));
    copies.push(path.join(target, name));
  }
  return copies;
}

/** Scans `folders` into the library at `dbFile` (created if new) with real models; leaves it closed. */
export async function scanInto(dbFile: string, folders: readonly string[], workers = 2): Promise<ScanSummary> {
  const library = openLibrary(dbFile);
  const scanner = new LibraryScanner(library.repo, { workers });
  try {
    return await scanner.scan(folders);
  } finally {
    await scanner.close();
    library.close();
  }
}

/** Scans with an already open library (the people layer's state stays in the same connection). */
export async function scanOpen(library: Library, folders: readonly string[], workers = 2): Promise<ScanSummary> {
  const scanner = new LibraryScanner(library.repo, { workers });
  try {
    return await scanner.scan(folders);
  } finally {
    await scanner.close();
  }
}

/** A closed library copied to `dbFile` (a closed WAL database is one file). */
export async function cloneLibrary(from: string, dbFile: string): Promise<void> {
  await copyFile(from, dbFile);
}

export interface OpenPeople {
  readonly library: Library;
  readonly people: PeopleService;
  readonly db: LibraryDatabase;
  close(): void;
}

export function openPeople(dbFile: string): OpenPeople {
  const library = openLibrary(dbFile);
  const people = new PeopleService(library.db);
  return { library, people, db: library.db, close: () => library.close() };
}

export const groupingSettings = (): GroupingSettings => findRecognizerModel().grouping;

// ---- reading faces and assignments --------------------------------------------------------------------------------

export interface FaceInfo {
  readonly id: number;
  readonly photoId: number;
  readonly file: string;
  readonly box: Box;
  readonly area: number;
  readonly quality: number;
  readonly parts: FaceQualityParts;
  readonly personId: number | null;
  readonly status: AssignmentStatus | null;
  readonly confidence: number | null;
  readonly runnerUpPersonId: number | null;
}

interface FaceInfoRow {
  id: number;
  photo_id: number;
  path: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  quality: number;
  quality_parts: string;
  person_id: number | null;
  status: AssignmentStatus | null;
  confidence: number | null;
  runner_up_person_id: number | null;
}

const FACE_INFO_SQL = `SELECT f.id, f.photo_id, p.path, f.x1, f.y1, f.x2, f.y2, f.quality, f.quality_parts,
  a.person_id, a.status, a.confidence, a.runner_up_person_id
  FROM faces f JOIN photos p ON p.id = f.photo_id LEFT JOIN face_assignments a ON a.face_id = f.id`;

const toFaceInfo = (r: FaceInfoRow): FaceInfo => ({
  id: r.id,
  photoId: r.photo_id,
  file: r.path,
  box: [r.x1, r.y1, r.x2, r.y2],
  area: (r.x2 - r.x1) * (r.y2 - r.y1),
  quality: r.quality,
  parts: JSON.parse(r.quality_parts) as FaceQualityParts,
  personId: r.person_id,
  status: r.status,
  confidence: r.confidence,
  runnerUpPersonId: r.runner_up_person_id,
});

/** Every face of a photo (by absolute path) with its assignment, largest first. */
export function facesIn(db: LibraryDatabase, file: string): FaceInfo[] {
  return (db.prepare(`${FACE_INFO_SQL} WHERE p.path = ? ORDER BY f.id`).all(file) as FaceInfoRow[]).map(toFaceInfo).sort((a, b) => b.area - a.area);
}

export function allFaces(db: LibraryDatabase): FaceInfo[] {
  return (db.prepare(`${FACE_INFO_SQL} ORDER BY f.id`).all() as FaceInfoRow[]).map(toFaceInfo);
}

export function faceInfo(db: LibraryDatabase, faceId: number): FaceInfo | undefined {
  const row = db.prepare(`${FACE_INFO_SQL} WHERE f.id = ?`).get(faceId) as FaceInfoRow | undefined;
  return row && toFaceInfo(row);
}

/** The photo's largest face that the grouping trusts (the labelled person's face), or undefined. */
export function largestTrustedFace(db: LibraryDatabase, file: string, settings: GroupingSettings = groupingSettings()): FaceInfo | undefined {
  return facesIn(db, file).find((f) => isTrustedFace(f.parts, settings));
}

export interface LabelledFace {
  readonly file: string;
  readonly person: string;
  readonly face: FaceInfo | undefined;
}

/** For each labelled copy (copies[i] is photos[i]): its largest trusted face. */
export function labelledFaces(db: LibraryDatabase, photos: readonly LabelledPhoto[], copies: readonly string[]): LabelledFace[] {
  const settings = groupingSettings();
  return photos.map((photo, i) => ({ file: copies[i]!, person: photo.person, face: largestTrustedFace(db, copies[i]!, settings) }));
}

export interface GroupingQuality extends BCubedScore {
  /** Labelled photos without a trusted face (scored as singletons). */
  readonly withoutTrustedFace: number;
}

/** BCubed of the people the grouping made, on the largest trusted face of each labelled photo. */
export function groupingQuality(db: LibraryDatabase, photos: readonly LabelledPhoto[], copies: readonly string[]): GroupingQuality {
  const faces = labelledFaces(db, photos, copies);
  const score = bcubed(
    faces.map((f) => f.face?.personId ?? null),
    faces.map((f) => f.person),
  );
  return { ...score, withoutTrustedFace: faces.filter((f) => !f.face).length };
}

export function describeQuality(label: string, q: GroupingQuality): string {
  const f = (v: number): string => v.toFixed(4);
  return `${label}: BCubed precision ${f(q.precision)}, recall ${f(q.recall)}, F1 ${f(q.f1)}; ${q.groups} groups vs ${q.classes} true people (${q.withoutTrustedFace} photo(s) without a trusted face)`;
}

/** Person id → the true people of its labelled faces (to print when a floor is missed). */
export function groupsByPerson(faces: readonly LabelledFace[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of faces) (out[String(f.face?.personId ?? 'none')] ??= []).push(f.person);
  return out;
}

// ---- the user's state -------------------------------------------------------------------------------------------

export interface PeopleState {
  people: unknown[];
  face_assignments: unknown[];
  face_rejections: unknown[];
  not_faces: unknown[];
}

/** A full dump of what the user's operations change, in a stable order, to compare before and after an undo. */
export function dumpPeopleState(db: LibraryDatabase): PeopleState {
  return {
    people: db.prepare('SELECT * FROM people ORDER BY id').all(),
    face_assignments: db.prepare('SELECT * FROM face_assignments ORDER BY face_id').all(),
    face_rejections: db.prepare('SELECT * FROM face_rejections ORDER BY face_id, person_id').all(),
    not_faces: db.prepare('SELECT * FROM not_faces ORDER BY face_id').all(),
  };
}

// ---- made-up photos ---------------------------------------------------------------------------------------------

/** EXIF's "YYYY:MM:DD hh:mm:ss". */
export const exifDate = (iso: string): string => `${iso.slice(0, 10).replaceAll('-', ':')} ${iso.slice(11, 19)}`;

/** A JPEG copy of `source` whose EXIF DateTimeOriginal (Exif IFD, sharp's IFD2) is `iso` (local "YYYY-MM-DDThh:mm:ss"). */
export async function writeDatedCopy(source: string, target: string, iso: string, transform?: (image: Sharp) => Sharp): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const image = sharp(source).rotate();
  const bytes = await (transform ? transform(image) : image)
    .withExif({ IFD0: { Make: 'Facetag test' }, IFD2: { DateTimeOriginal: exifDate(iso) } })
    .jpeg({ quality: 92 })
    .toBuffer();
  await writeFile(target, bytes);
}

/** A mirrored copy of a photo: the same person, a new photo with new faces. */
export async function writeMirroredCopy(source: string, target: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, await sharp(source).rotate().flop().jpeg({ quality: 92 }).toBuffer());
}
