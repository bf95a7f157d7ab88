import { readdirSync } from 'node:fs';
import path from 'node:path';
import { hasPhotoExtension } from '../src-main/node/image/find-images.js';
import { packageRoot } from '../src-main/node/util/package-root.js';

export const SHARED_PHOTOS = path.resolve(packageRoot(), '..', 'shared', 'photos');

/** Every photo under ../shared/photos, in a stable order. */
export function sharedPhotos(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (hasPhotoExtension(entry.name)) out.push(full);
    }
  };
  walk(SHARED_PHOTOS);
  return out;
}
