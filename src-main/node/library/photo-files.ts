import { open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { hasPhotoExtension } from '../image/find-images.js';
import type { FileFacts } from '../store/library.repository.js';

export interface UnreadableFolder {
  readonly path: string;
  readonly error: string;
}

export interface PhotoListing {
  readonly files: FileFacts[];
  readonly unreadableFolders: UnreadableFolder[];
}

/** Magic numbers of the photo formats Facetag reads or can name (HEIC) — for files without a photo extension. */
export function looksLikePhoto(head: Uint8Array): boolean {
  const ascii = (from: number, to: number): string => String.fromCharCode(...head.subarray(from, to));
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return true; // JPEG
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return true;
  if (ascii(0, 4) === 'GIF8') return true;
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return true;
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return true; // TIFF
  return ascii(4, 8) === 'ftyp' && /^(avif|avis|heic|heix|hevc|mif1|msf1)$/.test(ascii(8, 12)); // AVIF / HEIF
}

async function sniff(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const head = new Uint8Array(16);
    const { bytesRead } = await handle.read(head, 0, 16, 0);
    return bytesRead >= 12 && looksLikePhoto(head);
  } finally {
    await handle.close();
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'Facetag is not allowed to read this folder (check its permissions)';
  if (code === 'ENOENT') return 'the folder no longer exists';
  return (error as Error).message;
}

/**
 * Every photo under `root`: files with a photo extension, and files without one whose content is a photo.
 * Follows symbolic links, visiting each real folder once (so link loops end); skips hidden files and folders;
 * folders that cannot be read are reported, and the walk goes on.
 */
export async function listPhotoFiles(root: string): Promise<PhotoListing> {
  const files: FileFacts[] = [];
  const unreadableFolders: UnreadableFolder[] = [];
  const visited = new Set<string>();

  async function walk(dir: string): Promise<void> {
    const real = await realpath(dir).catch(() => dir);
    if (visited.has(real)) return;
    visited.add(real);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      unreadableFolders.push({ path: dir, error: describeFsError(error) });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      const info = entry.isSymbolicLink() || entry.isDirectory() || entry.isFile() ? await stat(full).catch(() => undefined) : undefined;
      if (!info) continue;
      if (info.isDirectory()) await walk(full);
      else if (info.isFile() && info.size >= 0 && (hasPhotoExtension(full) || (info.size > 0 && (await sniff(full))))) {
        files.push({ path: full, size: info.size, mtimeMs: info.mtimeMs });
      }
    }
  }

  await walk(root);
  return { files, unreadableFolders };
}

/** Whether a library folder is there now (an unplugged disk must not look like deleted photos). */
export async function folderAvailable(root: string): Promise<boolean> {
  return (await stat(root).catch(() => undefined))?.isDirectory() ?? false;
}
