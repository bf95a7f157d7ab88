import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { isJpeg, jpegSegments, readJpegXmp } from './jpeg-xmp.js';

/**
 * Where XMP lives beside a photo. digiKam, darktable and most open tools: `photo.jpg.xmp`; Lightroom (and
 * Capture One): `photo.xmp`, the extension replaced.
 */
export type SidecarStyle = 'digikam' | 'lightroom';
export const SIDECAR_STYLES: readonly SidecarStyle[] = ['digikam', 'lightroom'];

export function sidecarPath(photo: string, style: SidecarStyle): string {
  if (style === 'digikam') return `${photo}.xmp`;
  const extension = path.extname(photo);
  return `${extension ? photo.slice(0, -extension.length) : photo}.xmp`;
}

/** The sidecars a photo may have, both conventions, either case of the extension. */
export function sidecarCandidates(photo: string): string[] {
  const stem = sidecarPath(photo, 'lightroom').slice(0, -'.xmp'.length);
  return [...new Set([`${photo}.xmp`, `${photo}.XMP`, `${stem}.xmp`, `${stem}.XMP`])];
}

/**
 * Writes a file atomically: into a temporary file beside it (same folder, so the rename cannot cross disks), flushed
 * to disk, then renamed over the target. A crash leaves the old file or the new one, never half of one. An existing
 * file's permissions are kept.
 */
export function writeFileAtomicSync(target: string, data: string | Buffer): void {
  const mode = (() => {
    try {
      return statSync(target).mode & 0o7777;
    } catch {
      return 0o644;
    }
  })();
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.facetag-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, target);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
}

/** The first bytes of a file, enough for a JPEG's metadata segments in nearly every photo. */
function readHeadSync(file: string, bytes: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const read = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

const HEAD_BYTES = 256 * 1024;

/** The XMP packets embedded in a photo (standard and extended), [] when it has none. */
export async function readEmbeddedXmp(file: string): Promise<string[]> {
  let head = readHeadSync(file, HEAD_BYTES);
  if (isJpeg(head)) {
    if (!jpegSegments(head).complete && head.length === HEAD_BYTES) head = await readFile(file);
    const { standard, extended } = readJpegXmp(head);
    return [standard, extended].filter((p): p is string => p !== null);
  }
  const metadata = await sharp(file, { limitInputPixels: false }).metadata();
  return metadata.xmp ? [metadata.xmp.toString('utf8').replace(/\0+$/, '')] : [];
}
