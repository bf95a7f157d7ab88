import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PhotoAnalysis } from '../../src-main/common/face.js';
import { loadPhoto } from '../../src-main/node/image/load-image.js';
import { FacePipeline } from '../../src-main/node/vision/face-pipeline.js';
import { jpegWithOrientation, storedForOrientation } from '../support/orientation-fixtures.js';
import { SHARED_PHOTOS } from '../support/paths.js';

/** The same group photo stored with each EXIF orientation: the pipeline must see the same faces, upright. */
describe('faces in upright coordinates whatever the EXIF orientation', () => {
  let work: string;
  let pipeline: FacePipeline;
  const results = new Map<number, PhotoAnalysis>();

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'facetag-orientation-'));
    pipeline = await FacePipeline.open({ session: { intraOpThreads: 1 } });
    const upright = (await loadPhoto(path.join(SHARED_PHOTOS, 'groups', 'insightface_t1.jpg'))).pixels;
    for (let n = 1; n <= 8; n++) {
      const file = path.join(work, `t1-orientation-${n}.jpg`);
      await writeFile(file, await jpegWithOrientation(storedForOrientation(n, upright), n));
      results.set(n, await pipeline.analyseFile(file));
    }
  });

  afterAll(async () => {
    await pipeline?.close();
    await rm(work, { recursive: true, force: true });
  });

  it.each([2, 3, 4, 5, 6, 7, 8])('orientation %i gives the faces of orientation 1', (n) => {
    const reference = results.get(1)!;
    const rotated = results.get(n)!;
    expect([rotated.width, rotated.height, rotated.orientation]).toEqual([reference.width, reference.height, n]);
    expect(rotated.faces).toHaveLength(reference.faces.length);
    expect(reference.faces.length).toBe(6);
    for (const face of reference.faces) {
      const centre = (f: typeof face): [number, number] => [(f.box[0] + f.box[2]) / 2, (f.box[1] + f.box[3]) / 2];
      const [cx, cy] = centre(face);
      const twin = rotated.faces.find((f) => Math.hypot(centre(f)[0] - cx, centre(f)[1] - cy) < 8);
      expect(twin, `a face near (${cx.toFixed(0)}, ${cy.toFixed(0)})`).toBeDefined();
      // Same landmarks in the same order (left eye first), within a few pixels.
      twin!.landmarks.forEach(([x, y], k) => {
        expect(Math.hypot(x - face.landmarks[k]![0], y - face.landmarks[k]![1])).toBeLessThan(6);
      });
    }
  });
});
