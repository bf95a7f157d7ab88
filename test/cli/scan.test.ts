import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LibraryStatus, ScanSummary } from '../../src-main/common/library.js';
import { copyPhotos, count, faceCountsByPhoto, lastJsonLine, makeTempDir, PHOTO_SUBSET, waitFor, type TempDir } from '../support/library-fixtures.js';
import { REPO_ROOT } from '../support/paths.js';
import { runCli } from '../support/run-cli.js';
import { availableExecutionProviders } from '../../src-main/node/vision/onnx-session.js';

const SUMMARY_KEYS = ['photos', 'faces', 'new', 'changed', 'moved', 'removed', 'unchanged', 'errors', 'seconds'];

/** The subset plus the other detection photos: long enough a scan to be killed half-way. */
const PHOTOS = [
  ...PHOTO_SUBSET,
  'detection/images/dlib_2008_002079.jpg',
  'detection/images/dlib_2008_002470.jpg',
  'detection/images/dlib_2008_004176.jpg',
  'detection/images/dlib_2008_007676.jpg',
];
const TOTAL = PHOTOS.length + 1; // and one text file named .jpg

let temp: TempDir;
let root: string;
let notAPhoto: string;
const db = (name: string): string => path.join(temp.dir, name);

beforeAll(async () => {
  temp = await makeTempDir('cli-scan');
  root = path.join(temp.dir, 'photos');
  await copyPhotos(root, PHOTOS);
  notAPhoto = path.join(root, 'readme.jpg');
  await writeFile(notAPhoto, 'This folder holds the holiday photos.\n');
});
afterAll(async () => {
  await temp?.cleanup();
});

let reference: ScanSummary;

function readDb<T>(file: string, read: (db: Database.Database) => T): T {
  const handle = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return read(handle);
  } finally {
    handle.close();
  }
}

describe('facetag scan / status', () => {
  it('scan --json ends with exactly the contract line', async () => {
    const result = await runCli(['scan', root, '--db', db('library.db'), '--json', '--workers', '2']);
    expect(result.code, result.stderr).toBe(1); // one file could not be read
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    reference = JSON.parse(lines[0]!) as ScanSummary;
    expect(Object.keys(reference)).toEqual(SUMMARY_KEYS);
    expect(reference).toMatchObject({ photos: TOTAL, new: TOTAL, changed: 0, moved: 0, removed: 0, unchanged: 0 });
    expect(reference.faces).toBeGreaterThan(PHOTOS.length);
    expect(typeof reference.seconds).toBe('number');
    expect(reference.seconds).toBeGreaterThan(0);
    expect(reference.errors).toHaveLength(1);
    expect(Object.keys(reference.errors[0]!)).toEqual(['file', 'error']);
    expect(reference.errors[0]).toEqual({ file: notAPhoto, error: expect.stringMatching(/contains text, not image data/) });
    // The human summary goes to stderr.
    expect(result.stderr).toMatch(new RegExp(`${TOTAL} photos, ${reference.faces} faces: ${TOTAL} new`));
  });

  it('a second scan finds everything unchanged', async () => {
    const result = await runCli(['scan', root, '--db', db('library.db'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = lastJsonLine<ScanSummary>(result.stdout);
    expect(Object.keys(summary)).toEqual(SUMMARY_KEYS);
    expect(summary).toMatchObject({ photos: TOTAL, faces: reference.faces, new: 0, changed: 0, moved: 0, removed: 0, unchanged: TOTAL, errors: [] });
  });

  it('scan --execution-provider refuses a provider this computer cannot use, and says how to get CUDA', async () => {
    const unknown = await runCli(['scan', root, '--db', db('ep.db'), '--execution-provider', 'tpu']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--execution-provider must be one of .*cpu.* not "tpu"/);
    if (!availableExecutionProviders().includes('cuda')) {
      // onnxruntime would fall back to the CPU quietly when its CUDA libraries are missing.
      const cuda = await runCli(['scan', root, '--db', db('ep.db'), '--execution-provider', 'cuda']);
      expect(cuda.code).toBe(2);
      expect(cuda.stderr).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
    }
  });

  it('status --json lists the folders, counts, last scan and the photos with errors', async () => {
    const result = await runCli(['status', '--db', db('library.db'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const status = lastJsonLine<LibraryStatus>(result.stdout);
    expect(status.database).toBe(db('library.db'));
    expect(status.folders).toEqual([{ id: expect.any(Number), path: root, addedAt: expect.any(String), photos: TOTAL }]);
    expect(status).toMatchObject({ photos: TOTAL, faces: reference.faces, photosWithErrors: 1 });
    expect(status.errors).toEqual(reference.errors);
    expect(status.lastScan).toMatchObject({ outcome: 'completed', summary: { unchanged: TOTAL } });

    const text = await runCli(['status', '--db', db('library.db')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`folder ${root} (${TOTAL} photos)`);
    expect(text.stdout).toContain(`cannot read ${notAPhoto}`);
  });

  it('status of a library that does not exist yet says so', async () => {
    const result = await runCli(['status', '--db', db('empty.db')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/0 photos, 0 faces/);
    expect(result.stdout).toMatch(/no scan yet/);
  });

  it('a scan killed with SIGKILL half-way resumes: same totals as a clean scan, no duplicates, a valid database', async () => {
    const file = db('killed.db');
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'facetag.js'), 'scan', root, '--db', file, '--workers', '1'], {
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const photosSoFar = (): number => {
      try {
        return readDb(file, (d) => count(d, 'SELECT count(*) FROM photos'));
      } catch {
        return 0; // not created yet, or the schema is being written
      }
    };
    await waitFor(() => photosSoFar() >= 3, 60_000, 'the scan to index a few photos');
    process.kill(child.pid!, 'SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const atKill = readDb(file, (d) => count(d, 'SELECT count(*) FROM photos'));
    expect(atKill).toBeGreaterThanOrEqual(3);
    expect(atKill).toBeLessThan(TOTAL);

    const result = await runCli(['scan', root, '--db', file, '--json', '--workers', '2']);
    expect(result.code, result.stderr).toBe(1);
    const resumed = lastJsonLine<ScanSummary>(result.stdout);
    expect(resumed).toMatchObject({ photos: reference.photos, faces: reference.faces, changed: 0, moved: 0, removed: 0 });
    expect(resumed.unchanged).toBe(atKill);
    expect(resumed.new).toBe(TOTAL - atKill);

    const [killedCounts, referenceCounts] = [file, db('library.db')].map((f) => readDb(f, (d) => faceCountsByPhoto(d, root)));
    expect(killedCounts).toEqual(referenceCounts);
    readDb(file, (d) => {
      expect(d.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(d.pragma('foreign_key_check')).toEqual([]);
      expect(count(d, 'SELECT count(*) FROM (SELECT path FROM photos GROUP BY path HAVING count(*) > 1)')).toBe(0);
      expect(count(d, 'SELECT count(*) FROM (SELECT 1 FROM faces GROUP BY photo_id, x1, y1, x2, y2 HAVING count(*) > 1)')).toBe(0);
      expect(count(d, 'SELECT count(*) FROM faces')).toBe(reference.faces);
      expect(count(d, 'SELECT count(*) FROM face_journal')).toBe(0);
    });
  });
});
