import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** File extensions treated as photos when walking a folder (content is checked when the file is read). */
export const PHOTO_EXTENSIONS = new Set([
  '.jpg', '.jpeg', '.jpe', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif', '.heic', '.heif', '.bmp',
]);

export function hasPhotoExtension(file: string): boolean {
  return PHOTO_EXTENSIONS.has(path.extname(file).toLowerCase());
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, out);
    else if (entry.isFile() && hasPhotoExtension(entry.name)) out.push(full);
  }
}

/**
 * Expands the paths a user typed into photo files: a file stays as given (whatever its name, so that a bad file
 * gets its own error), a folder is walked recursively for photo extensions. A path that does not exist is kept,
 * so reading it reports "not found" like any other unreadable photo.
 */
export async function expandPhotoPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const info = await stat(p).catch(() => undefined);
    if (info?.isDirectory()) await walk(p, out);
    else out.push(p);
  }
  return out;
}
