/**
 * Does brightening dark photos before detection (src-main/node/vision/low-light.ts) find more faces?
 *
 * Dark copies of the 9 labelled detection photos (43 faces) are made in memory, each through a JPEG round trip
 * (quality 90) as a camera would store them:
 *   gamma 2.5            v' = 255 (v / 255)^2.5
 *   x0.2 + noise         v' = 0.2 v + N(0, 2)
 *   x0.1 + noise         v' = 0.1 v + N(0, 1.5)
 *   x0.07 + noise        v' = 0.07 v + N(0, 1.5)
 *   gamma 3 x0.5 + noise v' = 0.5 * 255 (v / 255)^3 + N(0, 1.5)
 * and detected with no enhancement, sharp's CLAHE (libvips hist_local per RGB band; window 1/8 or 1/16 of the
 * image, max slope 3 or 6), the tiled CLAHE of low-light.ts (on luma or per band, 8 x 8 or 4 x 4 tiles) and a
 * global gain. On the dark copies the enhancement is applied only where isLowLight says
 * so (as the app would); on normal photos (detection, groups, the first identity photo of each person, noface) it
 * is forced on, to see what a misclassified photo would lose; the noface photos are also darkened the same ways
 * (false positives with the enhancement where isLowLight says so). isLowLight is checked on all of them.
 *
 * Run: npx vitest run --config bench/vitest.measure.config.ts bench/low-light.ts
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, test } from 'vitest';
import type { RgbImage } from '../src-main/common/raster.js';
import { loadPhoto } from '../src-main/node/image/load-image.js';
import type { BatchFaceDetector } from '../src-main/node/vision/detector-input.js';
import { enhanceForDetection, isLowLight, lumaStats, type EnhanceOptions } from '../src-main/node/vision/low-light.js';
import { loadDetectionLabels, matchDetections, type LabelledImage } from '../test/support/detection-labels.js';
import { markdownTable, openDetector, PHOTOS, writeReport } from './measure-support.js';

type Darkening = { readonly name: string; readonly f: (v: number, noise: () => number) => number };

const DARKENINGS: Darkening[] = [
  { name: 'gamma 2.5', f: (v) => 255 * Math.pow(v / 255, 2.5) },
  { name: 'x0.2 + noise', f: (v, n) => 0.2 * v + 2 * n() },
  { name: 'x0.1 + noise', f: (v, n) => 0.1 * v + 1.5 * n() },
  { name: 'x0.07 + noise', f: (v, n) => 0.07 * v + 1.5 * n() },
  { name: 'gamma 3 x0.5 + noise', f: (v, n) => 0.5 * 255 * Math.pow(v / 255, 3) + 1.5 * n() },
];

type Enhancement = { readonly name: string; readonly options: EnhanceOptions | null };

const ENHANCEMENTS: Enhancement[] = [
  { name: 'none', options: null },
  { name: 'sharp CLAHE 1/8 slope 3', options: { method: 'sharp-clahe', windowFraction: 1 / 8, maxSlope: 3 } },
  { name: 'sharp CLAHE 1/16 slope 6', options: { method: 'sharp-clahe', windowFraction: 1 / 16, maxSlope: 6 } },
  { name: 'tiled CLAHE luma 8x8 slope 3 (default)', options: { method: 'tiled-clahe', grid: 8, maxSlope: 3 } },
  { name: 'tiled CLAHE luma 8x8 slope 6', options: { method: 'tiled-clahe', grid: 8, maxSlope: 6 } },
  { name: 'tiled CLAHE luma 4x4 slope 6', options: { method: 'tiled-clahe', grid: 4, maxSlope: 6 } },
  { name: 'tiled CLAHE RGB 8x8 slope 6', options: { method: 'tiled-clahe-rgb', grid: 8, maxSlope: 6 } },
  { name: 'global gain', options: { method: 'gain' } },
];

/** Deterministic standard-normal noise (mulberry32 + Box-Muller). */
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
}

async function darken(image: RgbImage, d: Darkening, seed: number): Promise<RgbImage> {
  const noise = gaussian(seed);
  const out = Buffer.alloc(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(d.f(image.data[i]!, noise))));
  const jpeg = await sharp(out, { raw: { width: image.width, height: image.height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

const enhanced = new Map<string, { image: RgbImage; ms: number }>();

/** Enhanced once per (enhancement, photo) and shared by both detectors; `gated`: only where isLowLight. */
async function enhance(key: string, image: RgbImage, e: Enhancement, gated: boolean): Promise<{ image: RgbImage; ms: number }> {
  if (!e.options || (gated && !isLowLight(image))) return { image, ms: 0 };
  const k = `${e.name}|${key}`;
  let r = enhanced.get(k);
  if (!r) {
    const t = performance.now();
    const out = await enhanceForDetection(image, e.options);
    r = { image: out, ms: performance.now() - t };
    enhanced.set(k, r);
  }
  return r;
}

let retina: BatchFaceDetector;
let yunet: BatchFaceDetector;
let labelled: { labels: LabelledImage; image: RgbImage }[] = [];
const normal: { set: string; name: string; image: RgbImage }[] = [];

beforeAll(async () => {
  [retina, yunet] = await Promise.all([openDetector('retinaface_mnet025'), openDetector('yunet_n')]);
  labelled = await Promise.all(loadDetectionLabels().map(async (labels) => ({ labels, image: (await loadPhoto(labels.file)).pixels })));
  for (const l of labelled) normal.push({ set: 'detection', name: l.labels.name, image: l.image });
  for (const set of ['groups', 'noface']) {
    const dir = path.join(PHOTOS, set);
    for (const f of readdirSync(dir).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort()) {
      normal.push({ set, name: f, image: (await loadPhoto(path.join(dir, f), { maxSide: 1024 })).pixels });
    }
  }
  const idDir = path.join(PHOTOS, 'identity');
  for (const person of readdirSync(idDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const f of readdirSync(path.join(idDir, person)).sort().slice(0, 1)) {
      normal.push({ set: 'identity', name: `${person}/${f}`, image: (await loadPhoto(path.join(idDir, person, f), { maxSide: 1024 })).pixels });
    }
  }
});

afterAll(async () => {
  await Promise.all([retina?.release(), yunet?.release()]);
});

test('low light', async () => {
  const detectors = [
    { name: 'RetinaFace', d: retina },
    { name: 'YuNet', d: yunet },
  ];
  const darkRows: (string | number)[][] = [];
  const lowLightRows: (string | number)[][] = [];
  const dark = new Map<string, RgbImage[]>();
  const nofacePhotos = normal.filter((n) => n.set === 'noface');
  const darkNoface: { key: string; image: RgbImage }[] = [];
  for (const d of DARKENINGS) {
    const images = await Promise.all(labelled.map((l, i) => darken(l.image, d, 1000 + i)));
    dark.set(d.name, images);
    for (const [i, n] of nofacePhotos.entries()) darkNoface.push({ key: `${d.name}/noface/${n.name}`, image: await darken(n.image, d, 2000 + i) });
    const stats = images.map((im) => lumaStats(im));
    lowLightRows.push([
      `dark: ${d.name}`,
      `${images.filter((im, i) => isLowLight(im, stats[i])).length}/${images.length}`,
      (stats.reduce((s, x) => s + x.mean, 0) / stats.length).toFixed(1),
      Math.max(...stats.map((x) => x.p95)),
    ]);
  }
  for (const set of ['detection', 'groups', 'noface', 'identity']) {
    const imgs = normal.filter((n) => n.set === set);
    const stats = imgs.map((n) => lumaStats(n.image));
    const flagged = imgs.filter((n, i) => isLowLight(n.image, stats[i]));
    lowLightRows.push([
      `normal: ${set}`,
      `${flagged.length}/${imgs.length}${flagged.length ? ` (${flagged.map((f) => f.name).join(', ')})` : ''}`,
      (stats.reduce((s, x) => s + x.mean, 0) / stats.length).toFixed(1),
      Math.max(...stats.map((x) => x.p95)),
    ]);
  }

  for (const { name: detName, d: det } of detectors) {
    for (const e of ENHANCEMENTS) {
      const cells: (string | number)[] = [detName, e.name];
      for (const darkening of ['(normal)', ...DARKENINGS.map((x) => x.name)]) {
        const images = darkening === '(normal)' ? labelled.map((l) => l.image) : dark.get(darkening)!;
        let found = 0;
        let total = 0;
        let unmatched = 0;
        let foundLow = 0;
        for (let i = 0; i < images.length; i++) {
          const { image: input } = await enhance(`${darkening}/${i}`, images[i]!, e, darkening !== '(normal)');
          const dets = await det.detect(input, { scoreThreshold: 0.3 });
          const m = matchDetections(labelled[i]!.labels.faces, dets.filter((x) => x.score >= det.defaultScoreThreshold));
          found += m.found;
          total += m.labelled;
          unmatched += m.unmatched;
          foundLow += matchDetections(labelled[i]!.labels.faces, dets).found;
        }
        cells.push(`${found}/${total} (+${unmatched}) [${foundLow}]`);
      }
      // Forced onto normal photos: faces on groups (count at the default threshold), noface false positives,
      // identity photos with at least one face.
      let groupFaces = 0;
      let nofaceFaces = 0;
      let identityHit = 0;
      let identityTotal = 0;
      let ms = 0;
      for (const n of normal.filter((x) => x.set !== 'detection')) {
        const r = await enhance(`${n.set}/${n.name}`, n.image, e, false);
        const input = r.image;
        ms += r.ms;
        const dets = await det.detect(input);
        if (n.set === 'groups') groupFaces += dets.length;
        if (n.set === 'noface') nofaceFaces += dets.length;
        if (n.set === 'identity') {
          identityTotal++;
          if (dets.length > 0) identityHit++;
        }
      }
      let darkNofaceFaces = 0;
      for (const n of darkNoface) {
        const r = await enhance(n.key, n.image, e, true);
        darkNofaceFaces += (await det.detect(r.image)).length;
      }
      cells.push(groupFaces, nofaceFaces, darkNofaceFaces, `${identityHit}/${identityTotal}`, (ms / normal.filter((x) => x.set !== 'detection').length).toFixed(1));
      darkRows.push(cells);
      console.log(cells.join(' | '));
    }
  }
  const table = markdownTable(
    [
      'detector',
      'enhancement (forced on)',
      'normal detection (forced)',
      ...DARKENINGS.map((d) => `${d.name} (if low-light)`),
      'groups faces (forced)',
      'noface faces (forced)',
      `dark noface faces (${DARKENINGS.length} x 17, if low-light)`,
      'identity photos with a face (forced)',
      'enhance ms/photo (<=1024 px)',
    ],
    darkRows,
  );
  const llTable = markdownTable(['photos', 'isLowLight', 'mean luma (avg)', 'max p95 luma'], lowLightRows);
  const file = writeReport(
    'low-light.md',
    `# Low light, ${new Date().toISOString()}\n\nCells of the detection columns: found/43 at the detector's default threshold (+ detections matching no label) [found at score 0.3].\n\n${table}\n\n## isLowLight\n\n${llTable}\n`,
  );
  console.log(`${table}\n\n${llTable}\n\nwritten to ${file}`);
});
