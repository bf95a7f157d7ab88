import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The folder holding Facetag's package.json, both when running from sources and from dist/. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'models', 'manifest.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Facetag: cannot find the package folder (models/manifest.json)');
    dir = parent;
  }
  cached = dir;
  return dir;
}
