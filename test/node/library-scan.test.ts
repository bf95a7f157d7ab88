import { mkdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanProgress, ScanSummary } from '../../src-main/common/library.js';
import { LibraryScanner } from '../../src-main/node/library/library-scanner.js';
import { libraryStatus, openLibrary, type Library } from '../../src-main/node/library/open-library.js';
import {
  copyPhotos,
  count,
  faceRows,
  facesOf,
  makeTempDir,
  PHOTO_SUBSET,
  photoRow,
  photoRows,
  reencodeJpeg,
  sharedPhoto,
  type TempDir,
} from '../support/library-fixtures.js';

/**
 * One library, scanned again after each change on disk; the tests run in order and build on each other.
 * Workers run the compiled build in dist/ (`npx tsc -p tsconfig.build.json` first).
 */
let temp: TempDir;
let root: string;
let library: Library;
let photos: string[];

const exifDir = (): string => path.join(root, 'exif');
const NO_EXIF_MTIME = new Date('2012-03-04T05:06:07.000Z');

async function scan(): Promise<{ summary: ScanSummary; scanner: LibraryScanner; indexingTotals: number[] }> {
  const indexingTotals: number[] = [];
  let lastPhase: ScanProgress['phase'] | undefined;
  const scanner = new LibraryScanner(library.repo, {
    workers: 1,
    onProgress: (p) => {
      if (p.phase === 'indexing' && lastPhase !== 'indexing') indexingTotals.push(p.total);
      lastPhase = p.phase;
    },
  });
  try {
    return { summary: await scanner.scan([root]), scanner, indexingTotals };
  } finally {
    await scanner.close();
  }
}

/** Three photos with known capture times, made with sharp from a shared photo (no faces, quick to index). */
async function writeExifPhotos(): Promise<void> {
  await mkdir(exifDir());
  const source = sharedPhoto('noface/opencv_HappyFish.jpg');
  await sharp(source)
    .withExif({ IFD0: { Make: 'Facetag test' }, IFD2: { DateTimeOriginal: '2019:07:20 17:45:22', OffsetTimeOriginal: '-07:00', DateTimeDigitized: '2019:07:21 08:00:00' } })
    .jpeg()
    .toFile(path.join(exifDir(), 'original-with-offset.jpg'));
  await sharp(source)
    .withExif({ IFD2: { DateTimeDigitized: '2015:01:02 03:04:05' } })
    .jpeg()
    .toFile(path.join(exifDir(), 'create-date-only.jpg'));
  const bare = path.join(exifDir(), 'no-exif.jpg');
  await sharp(source).jpeg().toFile(bare);
  await utimes(bare, NO_EXIF_MTIME, NO_EXIF_MTIME);
}

beforeAll(async () => {
  temp = await makeTempDir('scan');
  root = path.join(temp.dir, 'photos');
  photos = await copyPhotos(root);
  await writeExifPhotos();
  // Not photos: skipped by the walk without an error.
  await writeFile(path.join(root, 'notes.txt'), 'not a photo');
  await writeFile(path.join(root, '.hidden.jpg'), 'hidden files are skipped');
  library = openLibrary(path.join(temp.dir, 'library.db'));
});

afterAll(async () => {
  library?.close();
  await temp?.cleanup();
});

const TOTAL = PHOTO_SUBSET.length + 3;

describe('LibraryScanner on a copy of the shared photos', () => {
  let firstFaces: number;

  it('indexes every photo of a new folder, with faces', async () => {
    const { summary, indexingTotals } = await scan();
    expect(summary.errors).toEqual([]);
    expect(summary).toMatchObject({ photos: TOTAL, new: TOTAL, changed: 0, moved: 0, removed: 0, unchanged: 0 });
    expect(indexingTotals).toEqual([TOTAL]);
    expect(summary.faces).toBeGreaterThan(PHOTO_SUBSET.length);
    firstFaces = summary.faces;
    const { db } = library;
    expect(count(db, 'SELECT count(*) FROM photos')).toBe(TOTAL);
    expect(count(db, 'SELECT count(*) FROM faces')).toBe(summary.faces);
    expect(library.repo.listFolders().map((f) => f.path)).toEqual([root]);
    for (const row of photoRows(db)) {
      expect(row.error).toBeNull();
      expect(row.content_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.width).toBeGreaterThan(0);
      expect(row.height).toBeGreaterThan(0);
      expect(row.format).toBe('jpeg');
      const info = await stat(row.path);
      expect(row.size).toBe(info.size);
      expect(row.mtime_ms).toBe(Math.round(info.mtimeMs));
    }
    // Group photos have several faces; the fish has none.
    expect(facesOf(db, photoRow(db, photos[0]!)!.id).length).toBeGreaterThan(1);
    expect(facesOf(db, photoRow(db, photos[PHOTO_SUBSET.length - 1]!)!.id)).toEqual([]);
    for (const face of faceRows(db)) {
      expect(face.embedding.length).toBe(128 * 4);
      expect(face.detector_id).toBe('retinaface_mnet025');
      expect(face.recognizer_id).toBe('dlib_resnet128');
      expect(face.x2).toBeGreaterThan(face.x1);
    }
    expect(library.repo.lastScan()).toMatchObject({ outcome: 'completed', summary: { photos: TOTAL, faces: firstFaces } });
  });

  it('reads the capture time from EXIF DateTimeOriginal with its offset, else CreateDate, else the file time', () => {
    const { db } = library;
    const original = photoRow(db, path.join(exifDir(), 'original-with-offset.jpg'))!;
    expect([original.captured_at, original.capture_source]).toEqual(['2019-07-20T17:45:22-07:00', 'DateTimeOriginal']);
    const created = photoRow(db, path.join(exifDir(), 'create-date-only.jpg'))!;
    expect([created.captured_at, created.capture_source]).toEqual(['2015-01-02T03:04:05', 'CreateDate']);
    const bare = photoRow(db, path.join(exifDir(), 'no-exif.jpg'))!;
    expect(bare.capture_source).toBe('FileModifyDate');
    // Local wall-clock time with this machine's offset: the same instant as the mtime.
    expect(bare.captured_at).toMatch(/^2012-03-0\dT\d\d:\d\d:07[+-]\d\d:\d\d$/);
    expect(Date.parse(bare.captured_at!)).toBe(NO_EXIF_MTIME.getTime());
    // The copies of the shared photos carry no EXIF date: they fall back to the file time too.
    expect(photoRow(db, photos[0]!)!.capture_source).toBe('FileModifyDate');
  });

  it('a rescan of an unchanged folder reads nothing and re-detects nothing', async () => {
    const { db } = library;
    const photosBefore = photoRows(db);
    const facesBefore = faceRows(db);
    const { summary, scanner, indexingTotals } = await scan();
    expect(summary).toMatchObject({ photos: TOTAL, faces: firstFaces, new: 0, changed: 0, moved: 0, removed: 0, unchanged: TOTAL, errors: [] });
    expect(scanner.workerPoolsStarted).toBe(0);
    expect(indexingTotals).toEqual([0]);
    expect(photoRows(db)).toEqual(photosBefore);
    expect(faceRows(db)).toEqual(facesBefore);
  });

  it('a changed photo is re-detected and its faces keep their ids', async () => {
    const { db } = library;
    const file = photos[3]!;
    const before = photoRow(db, file)!;
    const facesBefore = facesOf(db, before.id);
    expect(facesBefore.length).toBeGreaterThan(0);
    const otherFaces = faceRows(db).filter((f) => f.photo_id !== before.id);

    await reencodeJpeg(file, 60);
    expect((await stat(file)).size).not.toBe(before.size);
    const { summary, scanner, indexingTotals } = await scan();
    expect(summary).toMatchObject({ new: 0, changed: 1, moved: 0, removed: 0, unchanged: TOTAL - 1, errors: [] });
    expect(scanner.workerPoolsStarted).toBe(1);
    expect(indexingTotals).toEqual([1]);

    const after = photoRow(db, file)!;
    expect(after.id).toBe(before.id);
    expect(after.content_hash).not.toBe(before.content_hash);
    expect(after.size).toBe((await stat(file)).size);
    expect(after.indexed_at >= before.indexed_at).toBe(true);
    const facesAfter = facesOf(db, before.id);
    // Same faces (IoU >= 0.5 with the old boxes), same ids; the detections themselves are new.
    expect(facesAfter.map((f) => f.id)).toEqual(facesBefore.map((f) => f.id));
    expect(facesAfter.map((f) => f.embedding)).not.toEqual(facesBefore.map((f) => f.embedding));
    expect(count(db, 'SELECT count(*) FROM face_journal')).toBe(0);
    expect(faceRows(db).filter((f) => f.photo_id !== before.id)).toEqual(otherFaces);
  });

  it('a renamed and moved photo keeps its row and faces, without re-detection', async () => {
    const { db } = library;
    const from = photos[1]!;
    const to = path.join(root, 'sub', 'renamed.jpg');
    const before = photoRow(db, from)!;
    const facesBefore = facesOf(db, before.id);
    expect(facesBefore.length).toBeGreaterThan(0);

    await rename(from, to);
    const { summary, indexingTotals } = await scan();
    expect(summary).toMatchObject({ photos: TOTAL, new: 0, changed: 0, moved: 1, removed: 0, unchanged: TOTAL - 1, errors: [] });
    expect(indexingTotals).toEqual([0]);
    expect(photoRow(db, from)).toBeUndefined();
    const after = photoRow(db, to)!;
    expect({ ...after, path: from }).toEqual(before);
    expect(facesOf(db, before.id)).toEqual(facesBefore);
    expect(count(db, 'SELECT count(*) FROM face_journal')).toBe(0);
    photos[1] = to;
  });

  it('a deleted photo leaves the library; its faces are journalled as photo-removed', async () => {
    const { db } = library;
    const file = photos[6]!;
    const before = photoRow(db, file)!;
    const faceIds = facesOf(db, before.id).map((f) => f.id);
    expect(faceIds.length).toBeGreaterThan(0);
    const facesTotal = count(db, 'SELECT count(*) FROM faces');

    await rm(file);
    const { summary, scanner } = await scan();
    expect(summary).toMatchObject({ photos: TOTAL - 1, new: 0, changed: 0, moved: 0, removed: 1, unchanged: TOTAL - 1, errors: [] });
    expect(summary.faces).toBe(facesTotal - faceIds.length);
    expect(scanner.workerPoolsStarted).toBe(0);
    expect(photoRow(db, file)).toBeUndefined();
    expect(count(db, `SELECT count(*) FROM faces WHERE id IN (${faceIds.join(',')})`)).toBe(0);
    const journal = db.prepare('SELECT event, photo_path, content_hash, face_id FROM face_journal ORDER BY face_id').all();
    expect(journal).toEqual(faceIds.map((id) => ({ event: 'photo-removed', photo_path: file, content_hash: before.content_hash, face_id: id })));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  it('status reports the folder, counts and the last scan', () => {
    const status = libraryStatus(library);
    expect(status.folders).toEqual([expect.objectContaining({ path: root, photos: TOTAL - 1 })]);
    expect(status).toMatchObject({ photos: TOTAL - 1, photosWithErrors: 0, errors: [] });
    expect(status.lastScan).toMatchObject({ outcome: 'completed', summary: { removed: 1 } });
  });
});
