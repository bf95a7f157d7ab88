import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import type { LibraryDatabase } from '../../src-main/node/store/database.js';
import type { CliResult } from './run-cli.js';
import { REPO_ROOT, SHARED_PHOTOS } from './paths.js';

/**
 * A small, quick subset of ../shared/photos (relative paths): group photos with several faces, one portrait, one
 * photo without a face. Kept small so the library tests stay fast on 2 cores.
 */
export const PHOTO_SUBSET: readonly string[] = [
  'detection/images/dlib_2007_007763.jpg',
  'detection/images/dlib_2008_001009.jpg',
  'detection/images/dlib_2008_001322.jpg',
  'detection/images/dlib_2008_002506.jpg',
  'detection/images/dlib_2009_004587.jpg',
  'identity/jennifer_aniston/deepface_img12.jpg',
  'identity/jack_dorsey/deepface_img62.jpg',
  'noface/opencv_HappyFish.jpg',
];

export const sharedPhoto = (relative: string): string => path.join(SHARED_PHOTOS, relative);

/** A temporary folder (world-accessible, so a test may hand it to another user) removed by `cleanup`. */
export interface TempDir {
  readonly dir: string;
  cleanup(): Promise<void>;
}

export async function makeTempDir(prefix: string): Promise<TempDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `facetag-${prefix}-`));
  await chmod(dir, 0o777);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Copies shared photos into `folder`: the first half flat, the rest in a sub-folder (so walks are recursive).
 * Returns the copies' absolute paths, in the subset's order. The copies are writable (the originals are not).
 */
export async function copyPhotos(folder: string, photos: readonly string[] = PHOTO_SUBSET): Promise<string[]> {
  await mkdir(path.join(folder, 'sub'), { recursive: true });
  await chmod(folder, 0o777);
  await chmod(path.join(folder, 'sub'), 0o777);
  const copies: string[] = [];
  for (const [i, relative] of photos.entries()) {
    const target = path.join(folder, i < photos.length / 2 ? '' : 'sub', path.basename(relative));
    await copyFile(sharedPhoto(relative), target);
    await chmod(target, 0o644);
    copies.push(target);
  }
  return copies;
}

/** Re-encodes a JPEG in place at another quality: the same picture (faces stay put), other bytes and size. */
export async function reencodeJpeg(file: string, quality: number): Promise<void> {
  const bytes = await sharp(file).jpeg({ quality }).toBuffer();
  await writeFile(file, bytes);
}

/** Polls `probe` until it returns a value other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// ---- reading the database ---------------------------------------------------------------------------------------

export interface PhotoRow {
  id: number;
  folder_id: number;
  path: string;
  size: number;
  mtime_ms: number;
  content_hash: string | null;
  format: string | null;
  width: number | null;
  height: number | null;
  captured_at: string | null;
  capture_source: string | null;
  indexed_at: string;
  error_code: string | null;
  error: string | null;
}

export interface FaceRowData {
  id: number;
  photo_id: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  landmarks: Buffer;
  score: number;
  quality: number;
  quality_parts: string;
  embedding: Buffer;
  detector_id: string;
  recognizer_id: string;
  origin: string;
}

export const photoRows = (db: LibraryDatabase): PhotoRow[] => db.prepare('SELECT * FROM photos ORDER BY path').all() as PhotoRow[];

export const photoRow = (db: LibraryDatabase, file: string): PhotoRow | undefined =>
  db.prepare('SELECT * FROM photos WHERE path = ?').get(file) as PhotoRow | undefined;

export const faceRows = (db: LibraryDatabase): FaceRowData[] => db.prepare('SELECT * FROM faces ORDER BY id').all() as FaceRowData[];

export const facesOf = (db: LibraryDatabase, photoId: number): FaceRowData[] =>
  db.prepare('SELECT * FROM faces WHERE photo_id = ? ORDER BY id').all(photoId) as FaceRowData[];

export const count = (db: LibraryDatabase, sql: string, ...params: unknown[]): number => db.prepare(sql).pluck().get(...params) as number;

/** Face count per photo, keyed by path relative to `root` (to compare two libraries of the same photos). */
export function faceCountsByPhoto(db: LibraryDatabase, root: string): Record<string, number> {
  const rows = db
    .prepare('SELECT photos.path AS path, count(faces.id) AS n FROM photos LEFT JOIN faces ON faces.photo_id = photos.id GROUP BY photos.id')
    .all() as { path: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [path.relative(root, r.path), r.n]));
}

// ---- bad input --------------------------------------------------------------------------------------------------

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A tiny, well-formed PNG whose header claims `width` x `height` pixels (a decompression bomb's header). */
export function bombPng(width = 30_000, height = 30_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The start of an HEIC file: an ISO media `ftyp` box with the heic brand, then a `meta` box stub. */
export function heicStub(): Buffer {
  const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1')]);
  const meta = Buffer.concat([Buffer.from([0, 0, 0, 12]), Buffer.from('meta\0\0\0\0', 'latin1')]);
  return Buffer.concat([ftyp, meta, Buffer.alloc(200)]);
}

// ---- running the command ----------------------------------------------------------------------------------------

/** Runs the built `facetag` command, optionally as another user (uid/gid), like test/support/run-cli.ts. */
export function runCliAs(args: readonly string[], options: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'facetag.js'), ...args], {
      cwd: os.tmpdir(),
      env: { ...process.env, HOME: os.tmpdir(), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: options.uid,
      gid: options.gid,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The last non-empty line of a command's stdout, parsed as JSON. */
export function lastJsonLine<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}
