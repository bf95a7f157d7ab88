import path from 'node:path';
import type { AnalysedFace } from '../../common/face.js';
import { iou, type Box, type Landmarks5 } from '../../common/geometry.js';
import type { CaptureTime, LibraryFolder, ScanError, ScanSummary } from '../../common/library.js';
import type { LibraryDatabase } from './database.js';
import { blobToFloats, blobToLandmarks, floatsToBlob } from './embedding-blob.js';

/** What the scanner knows about a photo file without reading it. */
export interface FileFacts {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface IndexedPhoto extends FileFacts {
  readonly id: number;
  readonly folderId: number;
  readonly contentHash: string | null;
  readonly errorCode: string | null;
}

/** What indexing learns about a photo besides its faces. */
export interface PhotoMetadata {
  readonly format: string;
  readonly width: number;
  readonly height: number;
  readonly orientation: number;
  readonly capture: CaptureTime;
  readonly sharpness: number;
  readonly detectorId: string;
  readonly recognizerId: string;
}

export interface PhotoAnalysisRecord extends FileFacts, PhotoMetadata {
  readonly contentHash: string;
  readonly faces: readonly AnalysedFace[];
}

export interface StoredFace {
  readonly id: number;
  readonly photoId: number;
  readonly box: Box;
  readonly landmarks: Landmarks5;
  readonly score: number;
  readonly quality: number;
  readonly embedding: Float32Array;
}

/** Describes what other parts of the app attached to faces (names, decisions), for the face journal. */
export type AttachmentDescriber = (faceId: number) => Record<string, unknown>;

/** Faces whose boxes overlap at least this much are the same face across a re-detection. */
export const SAME_FACE_IOU = 0.5;

const now = (): string => new Date().toISOString();

const INDEXED_PHOTO_COLUMNS = 'id, folder_id, path, size, mtime_ms, content_hash, error_code';

interface IndexedPhotoRow {
  id: number;
  folder_id: number;
  path: string;
  size: number;
  mtime_ms: number;
  content_hash: string | null;
  error_code: string | null;
}

const toIndexedPhoto = (r: IndexedPhotoRow): IndexedPhoto => ({
  id: r.id,
  folderId: r.folder_id,
  path: r.path,
  size: r.size,
  mtimeMs: r.mtime_ms,
  contentHash: r.content_hash,
  errorCode: r.error_code,
});

interface FaceRow {
  id: number;
  photo_id: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  landmarks: Buffer;
  score: number;
  quality: number;
  embedding: Buffer;
}

function toStoredFace(row: FaceRow): StoredFace {
  return {
    id: row.id,
    photoId: row.photo_id,
    box: [row.x1, row.y1, row.x2, row.y2],
    landmarks: blobToLandmarks(row.landmarks),
    score: row.score,
    quality: row.quality,
    embedding: blobToFloats(row.embedding),
  };
}

function faceColumns(face: AnalysedFace, detectorId: string, recognizerId: string) {
  const { overall: _overall, ...parts } = face.quality;
  return {
    x1: face.box[0],
    y1: face.box[1],
    x2: face.box[2],
    y2: face.box[3],
    landmarks: floatsToBlob(Float32Array.from(face.landmarks.flat())),
    score: face.score,
    quality: face.quality.overall,
    quality_parts: JSON.stringify(parts),
    embedding: floatsToBlob(face.embedding),
    detector_id: detectorId,
    recognizer_id: recognizerId,
  };
}

/**
 * Pairs each new face with the old face it overlaps most (IoU >= SAME_FACE_IOU), best pairs first, each old and new
 * face used at most once. Returns new index → old face id.
 */
export function matchFaces(oldFaces: readonly { id: number; box: Box }[], newBoxes: readonly Box[]): Map<number, number> {
  const pairs: { newIndex: number; oldId: number; overlap: number }[] = [];
  newBoxes.forEach((box, newIndex) => {
    for (const old of oldFaces) {
      const overlap = iou(box, old.box);
      if (overlap >= SAME_FACE_IOU) pairs.push({ newIndex, oldId: old.id, overlap });
    }
  });
  pairs.sort((a, b) => b.overlap - a.overlap);
  const matched = new Map<number, number>();
  const usedOld = new Set<number>();
  for (const p of pairs) {
    if (matched.has(p.newIndex) || usedOld.has(p.oldId)) continue;
    matched.set(p.newIndex, p.oldId);
    usedOld.add(p.oldId);
  }
  return matched;
}

/** All SQL about folders, photos and faces. Every multi-row change is one transaction. */
export class LibraryRepository {
  private describeAttachments: AttachmentDescriber = () => ({});

  constructor(readonly db: LibraryDatabase) {}

  /** Lets a later layer (people) say what it attached to a face before the face leaves the library. */
  setAttachmentDescriber(describe: AttachmentDescriber): void {
    this.describeAttachments = describe;
  }

  addFolder(folderPath: string): LibraryFolder {
    const resolved = path.resolve(folderPath);
    this.db.prepare('INSERT INTO folders (path, added_at) VALUES (?, ?) ON CONFLICT(path) DO NOTHING').run(resolved, now());
    return this.folderByPath(resolved)!;
  }

  folderByPath(folderPath: string): LibraryFolder | undefined {
    const row = this.db.prepare('SELECT id, path, added_at FROM folders WHERE path = ?').get(path.resolve(folderPath)) as
      | { id: number; path: string; added_at: string }
      | undefined;
    return row && { id: row.id, path: row.path, addedAt: row.added_at };
  }

  listFolders(): LibraryFolder[] {
    return (this.db.prepare('SELECT id, path, added_at FROM folders ORDER BY path').all() as {
      id: number;
      path: string;
      added_at: string;
    }[]).map((r) => ({ id: r.id, path: r.path, addedAt: r.added_at }));
  }

  /** Removes a folder and its photos (their faces go to the journal). */
  removeFolder(folderId: number): void {
    this.db.transaction(() => {
      const ids = this.db.prepare('SELECT id FROM photos WHERE folder_id = ?').pluck().all(folderId) as number[];
      for (const id of ids) this.removePhotoInTransaction(id);
      this.db.prepare('DELETE FROM folders WHERE id = ?').run(folderId);
    })();
  }

  photosInFolder(folderId: number): Map<string, IndexedPhoto> {
    const rows = this.db.prepare(`SELECT ${INDEXED_PHOTO_COLUMNS} FROM photos WHERE folder_id = ?`).all(folderId) as IndexedPhotoRow[];
    return new Map(rows.map((r) => [r.path, toIndexedPhoto(r)]));
  }

  photoByPath(photoPath: string): IndexedPhoto | undefined {
    const r = this.db.prepare(`SELECT ${INDEXED_PHOTO_COLUMNS} FROM photos WHERE path = ?`).get(photoPath) as IndexedPhotoRow | undefined;
    return r && toIndexedPhoto(r);
  }

  facesOfPhoto(photoId: number): StoredFace[] {
    return (this.db.prepare('SELECT * FROM faces WHERE photo_id = ? ORDER BY id').all(photoId) as FaceRow[]).map(toStoredFace);
  }

  /**
   * Stores a photo's analysis and faces in one transaction. On a re-detection, each new face that overlaps an old
   * one keeps the old face's id (so whatever was attached to it stays attached); old faces not found again go to
   * the journal.
   */
  saveAnalysis(folderId: number, record: PhotoAnalysisRecord): number {
    return this.db.transaction(() => {
      const photoId = this.upsertPhoto(folderId, record, {
        content_hash: record.contentHash,
        format: record.format,
        width: record.width,
        height: record.height,
        orientation: record.orientation,
        captured_at: record.capture.at,
        capture_source: record.capture.source,
        sharpness: record.sharpness,
        detector_id: record.detectorId,
        recognizer_id: record.recognizerId,
        error_code: null,
        error: null,
      });
      this.reconcileFaces(photoId, record);
      return photoId;
    })();
  }

  /**
   * Records why a photo cannot be read. Its faces (and so the user's tags) stay: a photo caught half-copied or
   * damaged is often readable again later, and its faces are then matched up as on any re-detection.
   */
  saveError(folderId: number, facts: FileFacts, code: string, message: string): void {
    this.upsertPhoto(folderId, facts, { error_code: code, error: message });
  }

  private upsertPhoto(folderId: number, facts: FileFacts, columns: Record<string, unknown>): number {
    const existing = this.photoByPath(facts.path);
    const values = { ...columns, folder_id: folderId, size: facts.size, mtime_ms: Math.round(facts.mtimeMs), indexed_at: now() };
    const names = Object.keys(values);
    if (existing) {
      this.db.prepare(`UPDATE photos SET ${names.map((n) => `${n} = @${n}`).join(', ')} WHERE id = @id`).run({ ...values, id: existing.id });
      return existing.id;
    }
    const info = this.db
      .prepare(`INSERT INTO photos (path, ${names.join(', ')}) VALUES (@path, ${names.map((n) => `@${n}`).join(', ')})`)
      .run({ ...values, path: facts.path });
    return Number(info.lastInsertRowid);
  }

  private reconcileFaces(photoId: number, record: PhotoAnalysisRecord): void {
    const oldFaces = this.db.prepare("SELECT * FROM faces WHERE photo_id = ? AND origin = 'detected'").all(photoId) as FaceRow[];
    const old = oldFaces.map(toStoredFace);
    const matched = matchFaces(old, record.faces.map((f) => f.box));
    const update = this.db.prepare(
      `UPDATE faces SET x1 = @x1, y1 = @y1, x2 = @x2, y2 = @y2, landmarks = @landmarks, score = @score, quality = @quality,
       quality_parts = @quality_parts, embedding = @embedding, detector_id = @detector_id, recognizer_id = @recognizer_id
       WHERE id = @id`,
    );
    const insert = this.db.prepare(
      `INSERT INTO faces (photo_id, x1, y1, x2, y2, landmarks, score, quality, quality_parts, embedding, detector_id, recognizer_id)
       VALUES (@photo_id, @x1, @y1, @x2, @y2, @landmarks, @score, @quality, @quality_parts, @embedding, @detector_id, @recognizer_id)`,
    );
    record.faces.forEach((face, i) => {
      const columns = faceColumns(face, record.detectorId, record.recognizerId);
      const oldId = matched.get(i);
      if (oldId === undefined) insert.run({ ...columns, photo_id: photoId });
      else update.run({ ...columns, id: oldId });
    });
    const kept = new Set(matched.values());
    for (const face of old) {
      if (kept.has(face.id)) continue;
      this.journalFace('face-not-redetected', photoId, face);
      this.db.prepare('DELETE FROM faces WHERE id = ?').run(face.id);
    }
  }

  private journalFace(event: 'photo-removed' | 'face-not-redetected', photoId: number, face: StoredFace): void {
    const photo = this.db.prepare('SELECT path, content_hash FROM photos WHERE id = ?').get(photoId) as {
      path: string;
      content_hash: string | null;
    };
    this.db
      .prepare(
        'INSERT INTO face_journal (at, event, photo_path, content_hash, face_id, box, attached) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(now(), event, photo.path, photo.content_hash, face.id, JSON.stringify(face.box), JSON.stringify(this.describeAttachments(face.id)));
  }

  /** Adds a face the user drew by hand; re-detections leave manual faces alone. */
  insertManualFace(photoId: number, face: AnalysedFace, recognizerId: string): number {
    const columns = faceColumns(face, 'manual', recognizerId);
    return Number(
      this.db
        .prepare(
          `INSERT INTO faces (photo_id, x1, y1, x2, y2, landmarks, score, quality, quality_parts, embedding, detector_id, recognizer_id, origin)
           VALUES (@photo_id, @x1, @y1, @x2, @y2, @landmarks, @score, @quality, @quality_parts, @embedding, @detector_id, @recognizer_id, 'manual')`,
        )
        .run({ ...columns, photo_id: photoId }).lastInsertRowid,
    );
  }

  /** A photo moved or renamed (same content): its faces and everything attached to them stay. */
  movePhoto(photoId: number, folderId: number, facts: FileFacts): void {
    this.db
      .prepare('UPDATE photos SET path = ?, folder_id = ?, size = ?, mtime_ms = ? WHERE id = ?')
      .run(facts.path, folderId, facts.size, Math.round(facts.mtimeMs), photoId);
  }

  /** Records a changed file's new size and mtime when its content is the same (e.g. only touched). */
  touchPhoto(photoId: number, facts: FileFacts): void {
    this.db.prepare('UPDATE photos SET size = ?, mtime_ms = ? WHERE id = ?').run(facts.size, Math.round(facts.mtimeMs), photoId);
  }

  removePhoto(photoId: number): void {
    this.db.transaction(() => this.removePhotoInTransaction(photoId))();
  }

  private removePhotoInTransaction(photoId: number): void {
    for (const face of this.facesOfPhoto(photoId)) this.journalFace('photo-removed', photoId, face);
    this.db.prepare('DELETE FROM photos WHERE id = ?').run(photoId);
  }

  countFacesInFolders(folderIds: readonly number[]): { photos: number; faces: number } {
    if (folderIds.length === 0) return { photos: 0, faces: 0 };
    const marks = folderIds.map(() => '?').join(', ');
    const photos = this.db.prepare(`SELECT count(*) FROM photos WHERE folder_id IN (${marks})`).pluck().get(...folderIds) as number;
    const faces = this.db
      .prepare(`SELECT count(*) FROM faces JOIN photos ON photos.id = faces.photo_id WHERE photos.folder_id IN (${marks})`)
      .pluck()
      .get(...folderIds) as number;
    return { photos, faces };
  }

  photoErrors(): ScanError[] {
    return (this.db.prepare('SELECT path, error FROM photos WHERE error_code IS NOT NULL ORDER BY path').all() as {
      path: string;
      error: string;
    }[]).map((r) => ({ file: r.path, error: r.error }));
  }

  /** Starts a scan record; a scan still "running" from a process that died is marked interrupted. */
  startScan(): number {
    return this.db.transaction(() => {
      this.db.prepare("UPDATE scans SET outcome = 'interrupted' WHERE outcome = 'running'").run();
      return Number(this.db.prepare("INSERT INTO scans (started_at, outcome) VALUES (?, 'running')").run(now()).lastInsertRowid);
    })();
  }

  finishScan(scanId: number, outcome: 'completed' | 'cancelled' | 'failed', summary: ScanSummary): void {
    this.db
      .prepare('UPDATE scans SET finished_at = ?, outcome = ?, summary = ? WHERE id = ?')
      .run(now(), outcome, JSON.stringify(summary), scanId);
  }

  lastScan(): { startedAt: string; finishedAt: string | null; outcome: string; summary: ScanSummary | null } | null {
    const row = this.db.prepare('SELECT started_at, finished_at, outcome, summary FROM scans ORDER BY id DESC LIMIT 1').get() as
      | { started_at: string; finished_at: string | null; outcome: string; summary: string | null }
      | undefined;
    if (!row) return null;
    return {
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      outcome: row.outcome,
      summary: row.summary ? (JSON.parse(row.summary) as ScanSummary) : null,
    };
  }
}
