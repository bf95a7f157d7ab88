import { chmod, mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LibraryStatus, ScanProgress, ScanSummary } from '../../src-main/common/library.js';
import { LibraryScanner, ScanAbortedError } from '../../src-main/node/library/library-scanner.js';
import { openLibrary, type Library } from '../../src-main/node/library/open-library.js';
import {
  bombPng,
  copyPhotos,
  count,
  heicStub,
  lastJsonLine,
  makeTempDir,
  photoRow,
  reencodeJpeg,
  runCliAs,
  sharedPhoto,
  type TempDir,
} from '../support/library-fixtures.js';
import { runCli } from '../support/run-cli.js';

/** Three quick photos with faces. */
const GOOD = [
  'identity/jennifer_aniston/deepface_img12.jpg',
  'identity/jack_dorsey/deepface_img62.jpg',
  'identity/sundar_pichai/deepface_img25.jpg',
];

let temp: TempDir;
let library: Library;
const dbFile = (): string => path.join(temp.dir, 'library.db');

beforeAll(async () => {
  temp = await makeTempDir('bad-input');
  library = openLibrary(dbFile());
});
afterAll(async () => {
  library?.close();
  await temp?.cleanup();
});

/** Scans `folders` in this process (one worker); `onProgress` sees every progress event. */
async function scan(folders: string[], onProgress?: (p: ScanProgress, scanner: LibraryScanner) => void, lib = library): Promise<ScanSummary> {
  const scanner: LibraryScanner = new LibraryScanner(lib.repo, { workers: 1, onProgress: (p) => onProgress?.(p, scanner) });
  try {
    return await scanner.scan(folders);
  } finally {
    await scanner.close();
  }
}

/** Calls `act` once, on the first progress event of the indexing phase (the listing is done, nothing read yet). */
function onIndexingStart(act: () => void): (p: ScanProgress) => void {
  let done = false;
  return (p) => {
    if (p.phase !== 'indexing' || done) return;
    done = true;
    act();
  };
}

async function status(): Promise<LibraryStatus> {
  const result = await runCli(['status', '--db', dbFile(), '--json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return lastJsonLine<LibraryStatus>(result.stdout);
}

const errorFor = (summary: { errors: { file: string; error: string }[] }, file: string): string | undefined =>
  summary.errors.find((e) => e.file === file)?.error;

describe('bad input: each photo gets its own error and the scan goes on', () => {
  it('zero-byte, truncated, text, decompression bomb and HEIC files; a symlink loop', async () => {
    const root = path.join(temp.dir, 'mixed');
    const good = await copyPhotos(root, GOOD);
    const bad = {
      empty: path.join(root, 'empty.jpg'),
      truncated: path.join(root, 'truncated.jpg'),
      text: path.join(root, 'notes.jpg'),
      bomb: path.join(root, 'bomb.png'),
      heic: path.join(root, 'IMG_0001.heic'),
    };
    await writeFile(bad.empty, '');
    const jpeg = await readFile(sharedPhoto('detection/images/dlib_2008_002506.jpg'));
    await writeFile(bad.truncated, jpeg.subarray(0, Math.floor(jpeg.length * 0.4)));
    await writeFile(bad.text, 'Shopping list:\n- milk\n- eggs\n'.repeat(20));
    await writeFile(bad.bomb, bombPng(30_000, 30_000));
    await writeFile(bad.heic, heicStub());
    await symlink(root, path.join(root, 'sub', 'loop'));
    // Found by its content: a JPEG without an extension. A text file without a photo extension is not a photo.
    const noExtension = path.join(root, 'sub', 'IMG_0042');
    await writeFile(noExtension, await readFile(sharedPhoto('identity/jack_dorsey/deepface_img16.jpg')));
    await writeFile(path.join(root, 'notes.txt'), 'not a photo');

    const summary = await scan([root]);
    expect(summary).toMatchObject({ photos: 9, new: 9, changed: 0, removed: 0 });
    expect(summary.faces).toBeGreaterThanOrEqual(4);
    expect(summary.errors.map((e) => e.file).sort()).toEqual(Object.values(bad).sort());
    expect(errorFor(summary, bad.empty)).toMatch(/empty \(0 bytes\)/);
    expect(errorFor(summary, bad.truncated)).toMatch(/incomplete|ends early/);
    expect(errorFor(summary, bad.text)).toMatch(/contains text, not image data/);
    expect(errorFor(summary, bad.bomb)).toMatch(/900,000,000 pixels \(30000 × 30000\)/);
    expect(errorFor(summary, bad.heic)).toMatch(/HEIC/);
    for (const e of summary.errors) expect(e.error).toContain(e.file);

    for (const file of [...good, noExtension]) {
      const row = photoRow(library.db, file)!;
      expect(row.error).toBeNull();
      expect(count(library.db, 'SELECT count(*) FROM faces WHERE photo_id = ?', row.id)).toBeGreaterThan(0);
    }
    // Photos seen through the link loop are not indexed twice.
    expect(count(library.db, "SELECT count(*) FROM photos WHERE path LIKE '%/loop/%'")).toBe(0);

    const s = await status();
    expect(s.photosWithErrors).toBe(5);
    expect(s.errors).toEqual(summary.errors.slice().sort((a, b) => (a.file < b.file ? -1 : 1)));
    const codes = library.db.prepare('SELECT path, error_code FROM photos WHERE error_code IS NOT NULL ORDER BY path').all();
    expect(codes).toEqual(
      [
        { path: bad.bomb, error_code: 'too-many-pixels' },
        { path: bad.empty, error_code: 'empty-file' },
        { path: bad.heic, error_code: 'unsupported-format' },
        { path: bad.text, error_code: 'not-an-image' },
        { path: bad.truncated, error_code: 'truncated' },
      ].sort((a, b) => (a.path < b.path ? -1 : 1)),
    );

    // A rescan does not read the bad files again (they are unchanged), and a fixed one is indexed.
    await writeFile(bad.truncated, jpeg);
    const again = await scan([root]);
    expect(again).toMatchObject({ photos: 9, new: 0, changed: 1, unchanged: 8, errors: [] });
    expect(photoRow(library.db, bad.truncated)!.error).toBeNull();
    expect((await status()).photosWithErrors).toBe(4);
  });

  it('permission denied (file and folder): scanning as an unprivileged user', async () => {
    const work = await makeTempDir('denied');
    try {
      const root = path.join(work.dir, 'photos');
      const [good] = await copyPhotos(root, [GOOD[0]!]);
      const denied = path.join(root, 'private.jpg');
      await writeFile(denied, await readFile(sharedPhoto(GOOD[1]!)));
      await chmod(denied, 0o000);
      const lockedFolder = path.join(root, 'locked');
      await mkdir(lockedFolder);
      await writeFile(path.join(lockedFolder, 'hidden-away.jpg'), await readFile(sharedPhoto(GOOD[2]!)));
      await chmod(lockedFolder, 0o000);
      const db = path.join(work.dir, 'library.db');

      // Root may read anything: as root, the scan runs as "nobody".
      const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const result = await runCliAs(['scan', root, '--db', db, '--json', '--workers', '1'], asNobody);
      expect(result.code, result.stderr).toBe(1);
      const summary = lastJsonLine<ScanSummary>(result.stdout);
      expect(summary).toMatchObject({ photos: 2, new: 2 });
      expect(summary.faces).toBeGreaterThan(0);
      expect(errorFor(summary, denied)).toMatch(/not allowed to read it/);
      expect(errorFor(summary, lockedFolder)).toMatch(/not allowed to read this folder/);

      const status = await runCli(['status', '--db', db, '--json']);
      const s = lastJsonLine<LibraryStatus>(status.stdout);
      expect(s.errors).toEqual([{ file: denied, error: errorFor(summary, denied) }]);
      expect(s.photos).toBe(2);
      const check = new Database(db, { readonly: true });
      try {
        expect(check.prepare('SELECT error_code FROM photos WHERE path = ?').pluck().get(denied)).toBe('permission-denied');
        expect(check.prepare('SELECT error FROM photos WHERE path = ?').pluck().get(good)).toBeNull();
      } finally {
        check.close();
      }
    } finally {
      await chmod(path.join(work.dir, 'photos', 'locked'), 0o755).catch(() => undefined);
      await work.cleanup();
    }
  });

  it('a file deleted between listing and reading', async () => {
    const root = path.join(temp.dir, 'vanishing');
    const [first, , third] = await copyPhotos(root, GOOD);
    const summary = await scan([root], onIndexingStart(() => rmSync(third!)));
    expect(summary).toMatchObject({ photos: 2, new: 2, removed: 0 });
    expect(summary.errors).toEqual([{ file: third, error: expect.stringMatching(/does not exist \(it may have been moved or deleted\)/) }]);
    expect(photoRow(library.db, third!)).toBeUndefined();
    expect(photoRow(library.db, first!)!.error).toBeNull();
    // Nothing is left behind for a photo that is gone; the scan log keeps the error.
    const s = await status();
    expect(s.errors.map((e) => e.file)).not.toContain(third);
    expect(s.lastScan?.summary?.errors).toEqual(summary.errors);

    // A known photo, changed, then deleted before it is read again: it leaves the library, its faces journalled.
    const known = photoRow(library.db, first!)!;
    const faceIds = library.db.prepare('SELECT id FROM faces WHERE photo_id = ? ORDER BY id').pluck().all(known.id);
    expect(faceIds.length).toBeGreaterThan(0);
    await reencodeJpeg(first!, 60);
    const again = await scan([root], onIndexingStart(() => rmSync(first!)));
    expect(again).toMatchObject({ photos: 1, new: 0, changed: 0, removed: 1, unchanged: 1 });
    expect(again.errors).toEqual([{ file: first, error: expect.stringMatching(/does not exist/) }]);
    expect(photoRow(library.db, first!)).toBeUndefined();
    expect(library.db.prepare("SELECT face_id FROM face_journal WHERE event = 'photo-removed' AND photo_path = ? ORDER BY face_id").pluck().all(first)).toEqual(faceIds);
  });

  it('a folder that disappears mid-scan keeps its photos; they are found again when it is back', async () => {
    const root = path.join(temp.dir, 'unplugged');
    const away = `${root}-away`;
    const photos = await copyPhotos(root, GOOD);
    expect(await scan([root])).toMatchObject({ photos: 3, new: 3, errors: [] });
    const facesBefore = count(library.db, 'SELECT count(*) FROM faces JOIN photos ON photos.id = faces.photo_id WHERE photos.path LIKE ?', `${root}/%`);

    // Two new photos and a changed one are waiting to be read when the folder goes away.
    const added = [path.join(root, 'new-1.jpg'), path.join(root, 'sub', 'new-2.jpg')];
    await writeFile(added[0]!, await readFile(sharedPhoto('identity/jack_dorsey/deepface_img16.jpg')));
    await writeFile(added[1]!, await readFile(sharedPhoto('identity/scarlett_johansson/deepface_img51.jpg')));
    await reencodeJpeg(photos[0]!, 60);
    const summary = await scan([root], onIndexingStart(() => renameSync(root, away)));
    expect(summary.removed).toBe(0);
    expect(summary.errors.map((e) => e.file).sort()).toEqual([photos[0]!, ...added].sort());
    for (const e of summary.errors) expect(e.error).toMatch(/does not exist/);
    for (const file of photos) expect(photoRow(library.db, file)?.error).toBeNull();
    expect(count(library.db, 'SELECT count(*) FROM faces JOIN photos ON photos.id = faces.photo_id WHERE photos.path LIKE ?', `${root}/%`)).toBe(facesBefore);

    // Still away at the next scan: reported, nothing removed.
    const whileAway = await scan([root]);
    expect(whileAway).toMatchObject({ photos: 3, faces: facesBefore, removed: 0 });
    expect(whileAway.errors).toEqual([{ file: root, error: expect.stringMatching(/not available/) }]);

    await rename(away, root);
    const back = await scan([root]);
    expect(back).toMatchObject({ photos: 5, new: 2, changed: 1, unchanged: 2, removed: 0, errors: [] });
  });

  it('a full disk (SQLITE_FULL) stops the scan cleanly; the database stays valid and the scan resumes', async () => {
    const work = await makeTempDir('disk-full');
    try {
      const root = path.join(work.dir, 'photos');
      await copyPhotos(root, [
        'detection/images/dlib_2008_001322.jpg',
        'detection/images/dlib_2008_002470.jpg',
        'detection/images/dlib_2008_004176.jpg',
        'detection/images/dlib_2008_007676.jpg',
        'detection/images/dlib_2009_004587.jpg',
        'detection/images/dlib_2007_007763.jpg',
      ]);
      const file = path.join(work.dir, 'full.db');
      const full = openLibrary(file);
      let saved = -1;
      try {
        // After the first photo is saved, the database may not grow any more: the next photo's faces do not fit.
        const error = await scan(
          [root],
          (p) => {
            if (p.phase === 'indexing' && p.done === 1 && saved < 0) {
              saved = count(full.db, 'SELECT count(*) FROM photos');
              full.db.pragma(`max_page_count = ${full.db.pragma('page_count', { simple: true }) as number}`);
            }
          },
          full,
        ).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ScanAbortedError);
        expect((error as Error).message).toMatch(/disk is full.*everything indexed before this photo is saved/);
        expect((error as { cause?: { code?: string } }).cause?.code).toBe('SQLITE_FULL');
      } finally {
        full.close();
      }
      expect(saved).toBe(1);
      const check = new Database(file, { readonly: true });
      let kept: number;
      try {
        expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
        kept = count(check, 'SELECT count(*) FROM photos');
        expect(kept).toBeGreaterThanOrEqual(1);
        expect(kept).toBeLessThan(6);
        // Every photo that made it in has all of its faces or is a photo with none: no photo half-written.
        expect(count(check, 'SELECT count(*) FROM photos WHERE content_hash IS NULL')).toBe(0);
      } finally {
        check.close();
      }

      const resumed = openLibrary(file);
      try {
        const summary = await scan([root], undefined, resumed);
        expect(summary).toMatchObject({ photos: 6, new: 6 - kept, unchanged: kept, errors: [] });
      } finally {
        resumed.close();
      }
    } finally {
      await work.cleanup();
    }
  });
});
