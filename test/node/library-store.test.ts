import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysedFace } from '../../src-main/common/face.js';
import type { Box } from '../../src-main/common/geometry.js';
import { DatabaseVersionError, openLibraryDatabase, SCHEMA_VERSION } from '../../src-main/node/store/database.js';
import { blobToFloats, floatsToBlob } from '../../src-main/node/store/embedding-blob.js';
import {
  LibraryRepository,
  matchFaces,
  type PhotoAnalysisRecord,
} from '../../src-main/node/store/library.repository.js';
import { MIGRATIONS } from '../../src-main/node/store/migrations.js';
import { count, facesOf, makeTempDir, photoRow, type TempDir } from '../support/library-fixtures.js';

let temp: TempDir;
let n = 0;
const dbFile = (): string => path.join(temp.dir, `store-${++n}.db`);

beforeAll(async () => {
  temp = await makeTempDir('store');
});
afterAll(async () => {
  await temp.cleanup();
});

/** Everything the schema consists of, to compare a migrated database with a fresh one. */
function schemaOf(db: Database.Database): string[] {
  return (db.prepare("SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name").pluck().all() as string[]).map(
    (s) => s.replace(/\s+/g, ' '),
  );
}

const tableExists = (db: Database.Database, name: string): boolean =>
  count(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", name) === 1;

function fakeFace(box: Box, seed: number): AnalysedFace {
  const [x1, y1, x2, y2] = box;
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  return {
    box,
    score: 0.9,
    landmarks: [
      [cx - 10, cy - 10],
      [cx + 10, cy - 10],
      [cx, cy],
      [cx - 8, cy + 10],
      [cx + 8, cy + 10],
    ],
    quality: {
      overall: 0.7,
      sharpness: 0.5,
      eyeDistancePx: 20,
      size: 0.5,
      detectorScore: 0.9,
      yawDeg: 0,
      rollDeg: 0,
      pose: 1,
      exposure: 1,
    },
    embedding: Float32Array.from({ length: 128 }, (_, i) => Math.sin(seed * 1000 + i)),
  };
}

function record(file: string, faces: AnalysedFace[], overrides: Partial<PhotoAnalysisRecord> = {}): PhotoAnalysisRecord {
  return {
    path: file,
    size: 1000,
    mtimeMs: 1_600_000_000_000,
    contentHash: `hash-of-${file}`,
    format: 'jpeg',
    width: 800,
    height: 600,
    orientation: 1,
    capture: { at: '2019-07-20T17:45:22-07:00', source: 'DateTimeOriginal' },
    sharpness: 0.5,
    detectorId: 'retinaface_mnet025',
    recognizerId: 'dlib_resnet128',
    faces,
    ...overrides,
  };
}

describe('library database', () => {
  it('runs the migrations when it opens a new file: schema version, WAL, foreign keys', () => {
    const db = openLibraryDatabase(dbFile());
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      for (const table of ['folders', 'photos', 'faces', 'scans', 'face_journal', 'settings']) expect(tableExists(db, table)).toBe(true);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('migration versions count up from 1 without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  const earlier = Array.from({ length: SCHEMA_VERSION }, (_, k) => k);
  it.each(earlier)('upgrades a database from version %i, keeping its data', (k) => {
    const file = dbFile();
    const old = openLibraryDatabase(file, MIGRATIONS.slice(0, k));
    expect(old.pragma('user_version', { simple: true })).toBe(k);
    const hasFolders = tableExists(old, 'folders');
    if (hasFolders) old.prepare("INSERT INTO folders (path, added_at) VALUES ('/photos', '2020-01-01T00:00:00.000Z')").run();
    if (tableExists(old, 'settings')) old.prepare("INSERT INTO settings (key, value) VALUES ('kept', 'yes')").run();
    old.close();

    const db = openLibraryDatabase(file);
    const fresh = openLibraryDatabase(dbFile());
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(schemaOf(db)).toEqual(schemaOf(fresh));
      if (hasFolders) expect(db.prepare('SELECT path FROM folders').pluck().all()).toEqual(['/photos']);
      if (k >= 1) expect(db.prepare("SELECT value FROM settings WHERE key = 'kept'").pluck().get()).toBe('yes');
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
      fresh.close();
    }
  });

  it('opening an up-to-date database again changes nothing', () => {
    const file = dbFile();
    const first = openLibraryDatabase(file);
    first.prepare("INSERT INTO folders (path, added_at) VALUES ('/a', 'x')").run();
    first.close();
    const again = openLibraryDatabase(file);
    try {
      expect(again.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(count(again, 'SELECT count(*) FROM folders')).toBe(1);
    } finally {
      again.close();
    }
  });

  it('refuses a database written by a newer Facetag, and leaves it as it was', () => {
    const file = dbFile();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openLibraryDatabase(file)).toThrow(DatabaseVersionError);
    expect(() => openLibraryDatabase(file)).toThrow(/newer Facetag/);
    const check = new Database(file, { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
      expect(tableExists(check, 'photos')).toBe(false);
    } finally {
      check.close();
    }
  });
});

describe('matchFaces', () => {
  it('pairs each new face with the old face it overlaps most, IoU >= 0.5, best pairs first, one to one', () => {
    const old = [
      { id: 10, box: [0, 0, 100, 100] as Box },
      { id: 11, box: [200, 0, 300, 100] as Box },
      { id: 12, box: [0, 200, 100, 300] as Box },
    ];
    const matched = matchFaces(old, [
      [205, 5, 305, 105], // 11, IoU ≈ 0.82
      [10, 10, 110, 110], // 10, IoU ≈ 0.68
      [0, 240, 100, 340], // 12 at IoU 0.43: below 0.5, a new face
      [500, 500, 600, 600], // overlaps nothing
    ]);
    expect([...matched.entries()].sort()).toEqual([
      [0, 11],
      [1, 10],
    ]);
  });

  it('gives a contested old face to the better overlap; the other new face gets none', () => {
    const old = [{ id: 1, box: [0, 0, 100, 100] as Box }];
    const matched = matchFaces(old, [
      [20, 0, 120, 100], // IoU 0.667
      [5, 0, 105, 100], // IoU 0.905
    ]);
    expect([...matched.entries()]).toEqual([[1, 1]]);
  });

  it('matches at exactly IoU 0.5 and not below', () => {
    const old = [{ id: 7, box: [0, 0, 90, 100] as Box }];
    // [30, 0, 120, 100] overlaps 60 x 100 = 6000 of 9000 + 9000 - 6000 = 12000: IoU exactly 0.5.
    expect(matchFaces(old, [[30, 0, 120, 100]]).get(0)).toBe(7);
    expect(matchFaces(old, [[31, 0, 121, 100]]).size).toBe(0);
    expect(matchFaces([], [[0, 0, 1, 1]]).size).toBe(0);
  });
});

describe('LibraryRepository', () => {
  let db: Database.Database;
  let repo: LibraryRepository;
  beforeAll(() => {
    db = openLibraryDatabase(dbFile());
    repo = new LibraryRepository(db);
  });
  afterAll(() => db.close());

  it('stores embeddings as compact little-endian float32 BLOBs, exactly', () => {
    const values = Float32Array.from([0, 1.5, -2.25, Math.PI, 1e-30]);
    const blob = floatsToBlob(values);
    expect(blob.length).toBe(20);
    expect(blob.readFloatLE(4)).toBe(1.5);
    expect(Array.from(blobToFloats(blob))).toEqual(Array.from(values));
    // A BLOB that is not 4-byte aligned in its buffer still reads back.
    const unaligned = Buffer.concat([Buffer.from([9]), blob]).subarray(1);
    expect(Array.from(blobToFloats(unaligned))).toEqual(Array.from(values));
  });

  it('adds a folder once, by its resolved path', () => {
    const a = repo.addFolder('/lib/photos/../photos');
    const b = repo.addFolder('/lib/photos');
    expect(a.id).toBe(b.id);
    expect(a.path).toBe('/lib/photos');
    expect(repo.listFolders().map((f) => f.path)).toEqual(['/lib/photos']);
  });

  it('saves a photo with its faces in one go and reads them back', () => {
    const folder = repo.addFolder('/lib/photos');
    const faces = [fakeFace([10, 10, 110, 110], 1), fakeFace([300, 50, 380, 130], 2)];
    const id = repo.saveAnalysis(folder.id, record('/lib/photos/a.jpg', faces));
    const stored = repo.facesOfPhoto(id);
    expect(stored.map((f) => f.box)).toEqual([faces[0]!.box, faces[1]!.box]);
    expect(Array.from(stored[0]!.embedding)).toEqual(Array.from(faces[0]!.embedding));
    expect(stored[1]!.landmarks).toEqual(faces[1]!.landmarks);
    const row = photoRow(db, '/lib/photos/a.jpg')!;
    expect(row).toMatchObject({ captured_at: '2019-07-20T17:45:22-07:00', capture_source: 'DateTimeOriginal', width: 800, error: null });
  });

  it('on a re-detection, faces that overlap the old ones keep their ids; a face not found again goes to the journal', () => {
    const folder = repo.addFolder('/lib/photos');
    const id = repo.photoByPath('/lib/photos/a.jpg')!.id;
    const [first, second] = repo.facesOfPhoto(id);
    const redetected = [fakeFace([12, 8, 112, 108], 3), fakeFace([600, 400, 700, 500], 4)];
    expect(repo.saveAnalysis(folder.id, record('/lib/photos/a.jpg', redetected, { size: 999 }))).toBe(id);
    const after = repo.facesOfPhoto(id);
    expect(after).toHaveLength(2);
    expect(after[0]!.id).toBe(first!.id);
    expect(after[0]!.box).toEqual([12, 8, 112, 108]);
    expect(after.map((f) => f.id)).not.toContain(second!.id);
    const journal = db.prepare('SELECT event, photo_path, face_id, box FROM face_journal').all();
    expect(journal).toEqual([{ event: 'face-not-redetected', photo_path: '/lib/photos/a.jpg', face_id: second!.id, box: JSON.stringify(second!.box) }]);
  });

  it('journals what was attached to a face when its photo leaves the library; foreign keys remove its faces', () => {
    const id = repo.photoByPath('/lib/photos/a.jpg')!.id;
    const faceIds = repo.facesOfPhoto(id).map((f) => f.id);
    repo.setAttachmentDescriber((faceId) => ({ person: `person-of-${faceId}` }));
    repo.removePhoto(id);
    repo.setAttachmentDescriber(() => ({}));
    expect(repo.photoByPath('/lib/photos/a.jpg')).toBeUndefined();
    expect(count(db, 'SELECT count(*) FROM faces WHERE photo_id = ?', id)).toBe(0);
    const journal = db.prepare("SELECT face_id, attached FROM face_journal WHERE event = 'photo-removed' ORDER BY face_id").all();
    expect(journal).toEqual(faceIds.map((f) => ({ face_id: f, attached: JSON.stringify({ person: `person-of-${f}` }) })));
  });

  it('records an unreadable photo with its error, keeping the faces it had (and the tags on them)', () => {
    const folder = repo.addFolder('/lib/photos');
    const id = repo.saveAnalysis(folder.id, record('/lib/photos/b.jpg', [fakeFace([0, 0, 50, 50], 5)]));
    const faces = facesOf(db, id);
    repo.saveError(folder.id, { path: '/lib/photos/b.jpg', size: 10, mtimeMs: 5 }, 'truncated', 'Cannot open "/lib/photos/b.jpg": cut short.');
    expect(facesOf(db, id)).toEqual(faces);
    expect(repo.photoErrors()).toEqual([{ file: '/lib/photos/b.jpg', error: 'Cannot open "/lib/photos/b.jpg": cut short.' }]);
    // Readable again: the error goes away.
    repo.saveAnalysis(folder.id, record('/lib/photos/b.jpg', []));
    expect(repo.photoErrors()).toEqual([]);
  });

  it('moves a photo without touching its faces', () => {
    const folder = repo.addFolder('/lib/photos');
    const id = repo.saveAnalysis(folder.id, record('/lib/photos/c.jpg', [fakeFace([0, 0, 50, 50], 6)]));
    const faces = facesOf(db, id);
    repo.movePhoto(id, folder.id, { path: '/lib/photos/moved/c.jpg', size: 1000, mtimeMs: 7 });
    expect(repo.photoByPath('/lib/photos/moved/c.jpg')?.id).toBe(id);
    expect(facesOf(db, id)).toEqual(faces);
  });

  it('removing a folder removes its photos and journals their faces', () => {
    const other = repo.addFolder('/lib/other');
    const id = repo.saveAnalysis(other.id, record('/lib/other/d.jpg', [fakeFace([0, 0, 50, 50], 7)]));
    const faceId = repo.facesOfPhoto(id)[0]!.id;
    repo.removeFolder(other.id);
    expect(repo.folderByPath('/lib/other')).toBeUndefined();
    expect(repo.photoByPath('/lib/other/d.jpg')).toBeUndefined();
    expect(count(db, "SELECT count(*) FROM face_journal WHERE event = 'photo-removed' AND face_id = ?", faceId)).toBe(1);
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  it('keeps a scan log', () => {
    const scanId = repo.startScan();
    expect(repo.lastScan()).toMatchObject({ outcome: 'running', finishedAt: null, summary: null });
    const summary = { photos: 1, faces: 2, new: 1, changed: 0, moved: 0, removed: 0, unchanged: 0, errors: [], seconds: 0.5 };
    repo.finishScan(scanId, 'completed', summary);
    expect(repo.lastScan()).toMatchObject({ outcome: 'completed', summary });
  });
});
