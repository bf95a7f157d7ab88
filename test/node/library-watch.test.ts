import { open, readFile, rename, rm, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanSummary } from '../../src-main/common/library.js';
import { FolderWatcher } from '../../src-main/node/library/folder-watcher.js';
import { LibraryScanner } from '../../src-main/node/library/library-scanner.js';
import { openLibrary, type Library } from '../../src-main/node/library/open-library.js';
import { copyPhotos, count, facesOf, makeTempDir, photoRow, sharedPhoto, waitFor, type TempDir } from '../support/library-fixtures.js';

/** chokidar waits this long for a file to stop growing; batches gather events for BATCH_MS. */
const STABLE_MS = 600;
const BATCH_MS = 100;
/** A slow copy: pieces further apart than BATCH_MS (batching alone would not hide them), closer than STABLE_MS. */
const PIECE_GAP_MS = 250;

let temp: TempDir;
let root: string;
let library: Library;
let scanner: LibraryScanner;
let watcher: FolderWatcher;
const batches: { paths: string[]; summary: ScanSummary }[] = [];
const watchErrors: unknown[] = [];

beforeAll(async () => {
  temp = await makeTempDir('watch');
  root = path.join(temp.dir, 'photos');
  await copyPhotos(root, ['identity/jennifer_aniston/deepface_img12.jpg', 'noface/opencv_HappyFish.jpg']);
  library = openLibrary(path.join(temp.dir, 'library.db'));
  scanner = new LibraryScanner(library.repo, { workers: 1 });
  expect(await scanner.scan([root])).toMatchObject({ photos: 2, new: 2, errors: [] });
  watcher = new FolderWatcher([root], {
    stableMs: STABLE_MS,
    batchMs: BATCH_MS,
    onBatch: async (paths) => {
      batches.push({ paths, summary: await scanner.syncPaths(paths) });
    },
    onError: (error) => watchErrors.push(error),
  });
  await watcher.ready();
});

afterAll(async () => {
  await watcher?.close();
  await scanner?.close();
  library?.close();
  await temp?.cleanup();
});

const row = (file: string) => photoRow(library.db, file);
const errorsAbout = (file: string) => batches.flatMap((b) => b.summary.errors).filter((e) => e.file === file);

describe('watching a library folder', () => {
  it('indexes a photo added while watching', async () => {
    const file = path.join(root, 'sub', 'added.jpg');
    await copyFile(sharedPhoto('identity/jack_dorsey/deepface_img62.jpg'), file);
    const added = await waitFor(() => row(file), 30_000, 'the added photo to be indexed');
    expect(added.error).toBeNull();
    expect(facesOf(library.db, added.id).length).toBeGreaterThan(0);
    await watcher.idle();
    expect(batches.some((b) => b.summary.new === 1)).toBe(true);
  });

  it('indexes a photo that is still being written only once it is complete, with no error', async () => {
    const file = path.join(root, 'copy-in-progress.jpg');
    const bytes = await readFile(sharedPhoto('identity/sundar_pichai/deepface_img25.jpg'));
    const handle = await open(file, 'w');
    try {
      // Four pieces: the copy takes longer than STABLE_MS, but never pauses that long.
      const pieces = 4;
      const step = Math.ceil(bytes.length / pieces);
      for (let i = 0; i < pieces; i++) {
        await handle.write(bytes.subarray(i * step, (i + 1) * step));
        await handle.sync();
        if (i < pieces - 1) await new Promise((resolve) => setTimeout(resolve, PIECE_GAP_MS));
      }
    } finally {
      await handle.close();
    }
    const indexed = await waitFor(() => row(file), 30_000, 'the copied photo to be indexed');
    expect(indexed.error).toBeNull();
    expect(indexed.size).toBe(bytes.length);
    expect(facesOf(library.db, indexed.id).length).toBeGreaterThan(0);
    await watcher.idle();
    expect(errorsAbout(file)).toEqual([]);
    expect(library.repo.photoErrors()).toEqual([]);
  });

  it('recognises a photo moved within the library: same row, same faces, nothing re-detected', async () => {
    const from = path.join(root, 'deepface_img12.jpg');
    const to = path.join(root, 'sub', 'jennifer.jpg');
    const before = row(from)!;
    const faces = facesOf(library.db, before.id);
    expect(faces.length).toBeGreaterThan(0);
    const batchesBefore = batches.length;
    await rename(from, to);
    const moved = await waitFor(() => row(to), 30_000, 'the moved photo to be recognised');
    await watcher.idle();
    expect(moved.id).toBe(before.id);
    expect(moved.indexed_at).toBe(before.indexed_at);
    expect(row(from)).toBeUndefined();
    expect(facesOf(library.db, before.id)).toEqual(faces);
    const summaries = batches.slice(batchesBefore).map((b) => b.summary);
    expect(summaries.reduce((n, s) => n + s.moved, 0)).toBe(1);
    expect(summaries.reduce((n, s) => n + s.removed + s.new, 0)).toBe(0);
    expect(count(library.db, 'SELECT count(*) FROM face_journal')).toBe(0);
  });

  it('removes a photo deleted while watching, journalling its faces', async () => {
    const file = path.join(root, 'sub', 'added.jpg');
    const before = row(file)!;
    const faceIds = facesOf(library.db, before.id).map((f) => f.id);
    await rm(file);
    await waitFor(() => row(file) === undefined, 30_000, 'the deleted photo to leave the library');
    await watcher.idle();
    expect(count(library.db, `SELECT count(*) FROM faces WHERE id IN (${faceIds.join(',')})`)).toBe(0);
    const journal = library.db.prepare("SELECT face_id FROM face_journal WHERE event = 'photo-removed' ORDER BY face_id").pluck().all();
    expect(journal).toEqual(faceIds);
    expect(watchErrors).toEqual([]);
  });
});
