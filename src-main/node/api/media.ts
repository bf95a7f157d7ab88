import { createHash } from 'node:crypto';
import { mkdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Library } from '../library/open-library.js';

/** Sizes (long side, px) the UI asks for: grid thumbnails, the photo viewer, avatars. */
export const THUMBNAIL_SIZES = [256, 1024, 2048] as const;
export const FACE_CROP_SIZE = 256;

export class MediaError extends Error {
  override readonly name = 'MediaError';

  constructor(
    readonly status: 403 | 404,
    message: string,
  ) {
    super(message);
  }
}

function inside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  // Not `startsWith('..')`: a file called "..jpg" or "...avi" inside the folder is inside it.
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/**
 * Images for the UI: WebP thumbnails of library photos and face crops, cached on disk next to the database. Only
 * files inside the library's folders or the cache are ever read (checked on real paths, so neither `..` nor a
 * symbolic link leads out).
 */
export class MediaStore {
  readonly cacheDir: string;

  constructor(private readonly library: Library) {
    this.cacheDir = path.join(path.dirname(library.file), 'thumbnails');
  }

  /** Resolves a path and refuses anything outside the library folders and the thumbnail cache. */
  async checkedPath(requested: string): Promise<string> {
    if (!path.isAbsolute(requested) || requested.split(/[\\/]/).includes('..')) {
      throw new MediaError(403, 'Only photos inside the library can be shown.');
    }
    const real = await realpath(requested).catch(() => {
      throw new MediaError(404, 'That file does not exist.');
    });
    const roots = [...this.library.repo.listFolders().map((f) => f.path), this.cacheDir];
    for (const root of roots) {
      const realRoot = await realpath(root).catch(() => root);
      if (inside(real, realRoot)) return real;
    }
    throw new MediaError(403, 'Only photos inside the library can be shown.');
  }

  private photoPath(photoId: number): { path: string; mtimeMs: number } {
    const row = this.library.db.prepare('SELECT path, mtime_ms FROM photos WHERE id = ?').get(photoId) as { path: string; mtime_ms: number } | undefined;
    if (!row) throw new MediaError(404, `There is no photo ${photoId}.`);
    return { path: row.path, mtimeMs: row.mtime_ms };
  }

  private async cached(key: string, make: () => Promise<Buffer>): Promise<Buffer> {
    const name = `${createHash('sha1').update(key).digest('hex')}.webp`;
    const file = path.join(this.cacheDir, name.slice(0, 2), name);
    const hit = await readFile(file).catch(() => undefined);
    if (hit) return hit;
    const bytes = await make();
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, bytes);
    await rename(temp, file);
    return bytes;
  }

  /** An upright WebP of a library photo, long side at most `size`. */
  async photo(photoId: number, size: number): Promise<Buffer> {
    const long = THUMBNAIL_SIZES.find((s) => s >= size) ?? THUMBNAIL_SIZES[THUMBNAIL_SIZES.length - 1];
    const photo = this.photoPath(photoId);
    const file = await this.checkedPath(photo.path);
    return this.cached(`photo:${photoId}:${photo.mtimeMs}:${long}`, () =>
      sharp(file, { failOn: 'none' }).rotate().resize({ width: long, height: long, fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer(),
    );
  }

  /** A square WebP crop around a face (with some margin), for avatars and the review screen. */
  async face(faceId: number): Promise<Buffer> {
    const row = this.library.db
      .prepare('SELECT f.photo_id, f.x1, f.y1, f.x2, f.y2, p.width, p.height FROM faces f JOIN photos p ON p.id = f.photo_id WHERE f.id = ?')
      .get(faceId) as { photo_id: number; x1: number; y1: number; x2: number; y2: number; width: number; height: number } | undefined;
    if (!row) throw new MediaError(404, `There is no face ${faceId}.`);
    const photo = this.photoPath(row.photo_id);
    const file = await this.checkedPath(photo.path);
    return this.cached(`face:${faceId}:${photo.mtimeMs}:${row.x1},${row.y1},${row.x2},${row.y2}`, async () => {
      const side = Math.max(row.x2 - row.x1, row.y2 - row.y1) * 1.6;
      const cx = (row.x1 + row.x2) / 2;
      const cy = (row.y1 + row.y2) / 2;
      const left = Math.max(0, Math.round(cx - side / 2));
      const top = Math.max(0, Math.round(cy - side / 2));
      const width = Math.max(1, Math.min(row.width - left, Math.round(side)));
      const height = Math.max(1, Math.min(row.height - top, Math.round(side)));
      return sharp(file, { failOn: 'none' })
        .rotate()
        .extract({ left, top, width, height })
        .resize(FACE_CROP_SIZE, FACE_CROP_SIZE, { fit: 'cover' })
        .webp({ quality: 85 })
        .toBuffer();
    });
  }

  /** A file by path (library folders and thumbnail cache only), as stored. */
  async file(requested: string): Promise<{ bytes: Buffer; size: number }> {
    const file = await this.checkedPath(requested);
    const info = await stat(file);
    if (!info.isFile()) throw new MediaError(404, 'That is not a file.');
    return { bytes: await readFile(file), size: info.size };
  }
}
