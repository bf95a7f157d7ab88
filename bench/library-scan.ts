import { cpSync, linkSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { LibraryScanner } from '../src-main/node/library/library-scanner.js';
import { openLibrary } from '../src-main/node/library/open-library.js';
import { loadPhoto } from '../src-main/node/image/load-image.js';
import { blobToFloats } from '../src-main/node/store/embedding-blob.js';
import { FacePipeline, WORKING_MAX_SIDE } from '../src-main/node/vision/face-pipeline.js';
import { SHARED_PHOTOS } from './photo-set.js';

export interface LibraryFigures {
  /** Embeddings of every face the cold scan found (real ones, for the people benchmark). */
  readonly embeddings: Float32Array[];
  readonly coldPhotos: number;
  readonly coldPhotosPerSecond: number;
  readonly rescanPhotos: number;
  readonly rescanSeconds: number;
  readonly rescanMicrosPerPhoto: number;
}

/** Cold scan of a copy of ../shared/photos with the default worker pool (one worker per core). */
async function coldScan(work: string): Promise<{ photos: number; perSecond: number; embeddings: Float32Array[] }> {
  const folder = path.join(work, 'photos');
  cpSync(SHARED_PHOTOS, folder, { recursive: true });
  const library = openLibrary(path.join(work, 'cold.db'));
  const scanner = new LibraryScanner(library.repo);
  try {
    const started = performance.now();
    const summary = await scanner.scan([folder]);
    const perSecond = summary.photos / ((performance.now() - started) / 1000);
    const embeddings = (library.db.prepare('SELECT embedding FROM faces').pluck().all() as Buffer[]).map(blobToFloats);
    return { photos: summary.photos, perSecond, embeddings };
  } finally {
    await scanner.close();
    library.close();
  }
}

/**
 * Rescan of an unchanged library of `count` photo files. The files are hard links to one real photo (copies as
 * far as a scan can tell: each has its own path and name), indexed once by analysing the photo and storing that
 * analysis for every path, so the measured rescan does what it does for any unchanged library: walk, stat, compare.
 */
async function unchangedRescan(work: string, count: number): Promise<{ seconds: number }> {
  const folder = path.join(work, 'big');
  const source = path.join(SHARED_PHOTOS, 'groups', 'insightface_t1.jpg');
  const library = openLibrary(path.join(work, 'big.db'));
  const pipeline = await FacePipeline.open();
  try {
    const decoded = await loadPhoto(source, { maxSide: WORKING_MAX_SIDE });
    const analysis = await pipeline.analyse(decoded);
    const root = library.repo.addFolder(folder);
    library.db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const dir = path.join(folder, `album-${String(Math.floor(i / 500)).padStart(3, '0')}`);
        if (i % 500 === 0) mkdirSync(dir, { recursive: true });
        const file = path.join(dir, `IMG_${String(i).padStart(5, '0')}.jpg`);
        linkSync(source, file);
        const info = statSync(file);
        library.repo.saveAnalysis(root.id, {
          path: file,
          size: info.size,
          mtimeMs: info.mtimeMs,
          contentHash: `copy-${i}`,
          format: 'jpeg',
          width: analysis.width,
          height: analysis.height,
          orientation: analysis.orientation,
          capture: { at: '2020-01-01T00:00:00', source: 'FileModifyDate' },
          sharpness: 100,
          detectorId: analysis.detectorId,
          recognizerId: analysis.recognizerId,
          faces: analysis.faces,
        });
      }
    })();
    const scanner = new LibraryScanner(library.repo);
    const started = performance.now();
    const summary = await scanner.scan([folder]);
    const seconds = (performance.now() - started) / 1000;
    await scanner.close();
    if (summary.unchanged !== count) throw new Error(`rescan saw ${summary.unchanged} unchanged of ${count}`);
    return { seconds };
  } finally {
    await pipeline.close();
    library.close();
  }
}

export async function measureLibrary(rescanCount = 10_000): Promise<LibraryFigures> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'facetag-bench-library-'));
  try {
    const cold = await coldScan(work);
    const rescan = await unchangedRescan(work, rescanCount);
    return {
      embeddings: cold.embeddings,
      coldPhotos: cold.photos,
      coldPhotosPerSecond: cold.perSecond,
      rescanPhotos: rescanCount,
      rescanSeconds: rescan.seconds,
      rescanMicrosPerPhoto: (rescan.seconds * 1e6) / rescanCount,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
