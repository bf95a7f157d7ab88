import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { Box } from '../../src-main/common/geometry.js';
import { storedToUprightBox, uprightSize, uprightToStoredBox, type Orientation, type Size } from '../../src-main/common/orientation.js';
import { SHARED_PHOTOS } from './paths.js';

/**
 * Helpers for the XMP tests: photos saved with an EXIF orientation (their stored pixels turned accordingly), and
 * ExifTool (Debian package libimage-exiftool-perl) as the independent reader and writer of XMP.
 */

const run = promisify(execFile);

/** A real photo with one large face, and embedded XMP of its own (Photoshop's), 1382 x 1868 upright. */
export const PORTRAIT = path.join(SHARED_PHOTOS, 'identity', 'angelina_jolie', 'deepface_img1.jpg');

/** The turn (clockwise degrees) that makes a stored image from an upright one, for each orientation tested. */
const STORED_TURN: Partial<Record<Orientation, number>> = { 1: 0, 3: 180, 6: 270, 8: 90 };

/**
 * Writes a copy of `source` whose stored pixels are turned so that a viewer applying the EXIF `orientation` shows the
 * same upright picture (1, 3, 6 or 8).
 */
export async function writeOrientedCopy(source: string, target: string, orientation: Orientation): Promise<void> {
  const turn = STORED_TURN[orientation];
  if (turn === undefined) throw new Error(`orientation ${orientation} is not made by this helper`);
  await mkdir(path.dirname(target), { recursive: true });
  await sharp(source).rotate().rotate(turn).withMetadata({ orientation }).jpeg({ quality: 92 }).toFile(target);
}

/** An upright box of a photo as the normalised MWG area (centre, size) of its stored image. */
export function mwgArea(box: Box, upright: Size, orientation: Orientation): { X: number; Y: number; W: number; H: number; Unit: 'normalized' } {
  const stored = uprightSize(upright, orientation);
  const [x1, y1, x2, y2] = uprightToStoredBox(box, upright, orientation);
  return {
    X: (x1 + x2) / 2 / stored.width,
    Y: (y1 + y2) / 2 / stored.height,
    W: (x2 - x1) / stored.width,
    H: (y2 - y1) / stored.height,
    Unit: 'normalized',
  };
}

/** A normalised MWG area (as ExifTool reads it) back in upright pixels. */
export function uprightBoxOfArea(raw: { X: number | string; Y: number | string; W: number | string; H: number | string }, upright: Size, orientation: Orientation): Box {
  // ExifTool's JSON quotes numbers with more digits than a double keeps.
  const area = { X: Number(raw.X), Y: Number(raw.Y), W: Number(raw.W), H: Number(raw.H) };
  const stored = uprightSize(upright, orientation);
  const box: Box = [
    (area.X - area.W / 2) * stored.width,
    (area.Y - area.H / 2) * stored.height,
    (area.X + area.W / 2) * stored.width,
    (area.Y + area.H / 2) * stored.height,
  ];
  return storedToUprightBox(box, stored, orientation);
}

/** A Microsoft rectangle "x, y, w, h" (normalised, stored frame) back in upright pixels. */
export function uprightBoxOfRectangle(rectangle: string, upright: Size, orientation: Orientation): Box {
  const [x, y, w, h] = rectangle.split(',').map(Number) as [number, number, number, number];
  const stored = uprightSize(upright, orientation);
  return storedToUprightBox([x * stored.width, y * stored.height, (x + w) * stored.width, (y + h) * stored.height], stored, orientation);
}

export async function exiftoolAvailable(): Promise<string> {
  try {
    return (await run('exiftool', ['-ver'])).stdout.trim();
  } catch {
    throw new Error('ExifTool is needed by the XMP tests: install it (Debian: apt-get install libimage-exiftool-perl)');
  }
}

export interface ExiftoolRegion {
  Area: { X: number | string; Y: number | string; W: number | string; H: number | string; Unit: string };
  Name?: string;
  Type?: string;
}

/** What ExifTool reads from files: `exiftool -j -G1 -struct -n`, one object per file. */
export async function exiftoolRead(...files: string[]): Promise<Record<string, unknown>[]> {
  const { stdout } = await run('exiftool', ['-j', '-G1', '-struct', '-n', ...files], { maxBuffer: 32 * 1024 * 1024 });
  return JSON.parse(stdout) as Record<string, unknown>[];
}

/** Writes tags with ExifTool from a JSON object (structs welcome), in place (a new XMP file is created). */
export async function exiftoolWrite(file: string, tags: Record<string, unknown>): Promise<void> {
  const json = path.join(path.dirname(file), `.exiftool-${path.basename(file)}.json`);
  await writeFile(json, JSON.stringify([{ SourceFile: '*', ...tags }]));
  try {
    await run('exiftool', ['-q', '-overwrite_original', `-j=${json}`, file]);
  } finally {
    await rm(json, { force: true });
  }
}

/** The pixels of an image as sharp decodes them (as stored, orientation not applied). */
export async function storedPixels(file: string): Promise<Buffer> {
  return sharp(file).raw().toBuffer();
}

export const within = (a: Box, b: Box, tolerance: number): boolean => a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);
