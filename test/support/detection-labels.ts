import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Detection } from '../../src-main/common/face.js';
import { iou, type Box, type Point } from '../../src-main/common/geometry.js';

/** Where the shared test photos live (never copied into the repository). */
export const SHARED_PHOTOS = process.env['FACETAG_SHARED_PHOTOS'] ?? '/work/shared/photos';
export const DETECTION_DIR = path.join(SHARED_PHOTOS, 'detection');

/** One hand-drawn face box of detection/gt.txt. */
export interface LabelledFace {
  /** x1, y1, x2, y2 in the image's pixels. */
  readonly box: Box;
  /** Neither a miss nor a false positive when set. */
  readonly ignore: boolean;
  /** Five landmarks (dlib-predicted, loose) or null where absent. */
  readonly landmarks: readonly [Point, Point, Point, Point, Point] | null;
}

export interface LabelledImage {
  /** Absolute path of the photo. */
  readonly file: string;
  /** Path as written in gt.txt, relative to the detection folder. */
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly faces: readonly LabelledFace[];
}

/**
 * Parses detection/gt.txt: per image a header `<path> <width> <height> <n_faces> <orig_width> <orig_height>`, then
 * n lines `x y w h ignore blur occlusion pose invalid l0x l0y ... l4x l4y` (-1 where a landmark is absent).
 */
export function parseDetectionLabels(text: string, baseDir: string): LabelledImage[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'));
  const images: LabelledImage[] = [];
  let i = 0;
  while (i < lines.length) {
    const header = lines[i++]!.split(/\s+/);
    if (header.length < 4) throw new Error(`gt.txt: bad header line "${header.join(' ')}"`);
    const [name, w, h, n] = header as [string, string, string, string];
    const count = Number(n);
    if (!Number.isInteger(count) || count < 0) throw new Error(`gt.txt: bad face count in "${header.join(' ')}"`);
    const faces: LabelledFace[] = [];
    for (let k = 0; k < count; k++) {
      const line = lines[i++];
      if (line === undefined) throw new Error(`gt.txt: ${name} ends after ${k} of ${count} faces`);
      const v = line.split(/\s+/).map(Number);
      if (v.length < 5 || v.some((x) => Number.isNaN(x))) throw new Error(`gt.txt: bad face line "${line}"`);
      const [x, y, fw, fh, ignore] = v as [number, number, number, number, number];
      const lm = v.slice(9, 19);
      const landmarks =
        lm.length === 10 && lm.every((q) => q >= 0)
          ? ([0, 1, 2, 3, 4].map((j) => [lm[2 * j]!, lm[2 * j + 1]!] as const) as unknown as LabelledFace['landmarks'])
          : null;
      faces.push({ box: [x, y, x + fw, y + fh], ignore: ignore === 1, landmarks });
    }
    images.push({ file: path.join(baseDir, name), name, width: Number(w), height: Number(h), faces });
  }
  return images;
}

export function loadDetectionLabels(dir = DETECTION_DIR): LabelledImage[] {
  return parseDetectionLabels(readFileSync(path.join(dir, 'gt.txt'), 'utf8'), dir);
}

/** How a detector's output compares to the labels of one image. */
export interface MatchResult {
  /** Labelled, non-ignored faces. */
  readonly labelled: number;
  /** Of them, matched by a detection. */
  readonly found: number;
  /** Detections that match no label (ignored labels excepted). Not all are wrong: the labels are not exhaustive. */
  readonly unmatched: number;
  /** For each labelled face, the matching detection's index or -1. */
  readonly matches: readonly number[];
}

/** A detection matches a label when IoU >= minIou or the detection's box centre lies inside the label's box. */
export function detectionMatches(det: Box, label: Box, minIou = 0.35): boolean {
  if (iou(det, label) >= minIou) return true;
  const cx = (det[0] + det[2]) / 2;
  const cy = (det[1] + det[3]) / 2;
  return cx >= label[0] && cx <= label[2] && cy >= label[1] && cy <= label[3];
}

/** Greedy one-to-one matching (labels by descending best IoU), as IoU >= minIou only when `centreRule` is false. */
export function matchDetections(
  faces: readonly LabelledFace[],
  detections: readonly Pick<Detection, 'box'>[],
  options: { minIou?: number; centreRule?: boolean } = {},
): MatchResult {
  const minIou = options.minIou ?? 0.35;
  const centreRule = options.centreRule ?? false;
  const ok = (d: Box, l: Box) => (centreRule ? detectionMatches(d, l, minIou) : iou(d, l) >= minIou);
  const pairs: { f: number; d: number; v: number }[] = [];
  faces.forEach((f, fi) =>
    detections.forEach((d, di) => {
      if (ok(d.box, f.box)) pairs.push({ f: fi, d: di, v: iou(d.box, f.box) });
    }),
  );
  pairs.sort((a, b) => b.v - a.v);
  const matches = faces.map(() => -1);
  const usedDet = new Set<number>();
  for (const p of pairs) {
    if (matches[p.f] !== -1 || usedDet.has(p.d)) continue;
    matches[p.f] = p.d;
    usedDet.add(p.d);
  }
  let labelled = 0;
  let found = 0;
  faces.forEach((f, fi) => {
    if (f.ignore) return;
    labelled++;
    if (matches[fi] !== -1) found++;
  });
  // A detection overlapping an ignored label (matched or not) is not counted as unmatched.
  let unmatched = 0;
  detections.forEach((d, di) => {
    if (usedDet.has(di)) return;
    if (faces.some((f) => f.ignore && ok(d.box, f.box))) return;
    unmatched++;
  });
  return { labelled, found, unmatched, matches };
}

/** Labelled faces found, and detections matching no label, summed over `images`; `detectionsOf` gives a photo's. */
export function tallyLabelledFaces(
  images: readonly LabelledImage[],
  detectionsOf: (image: LabelledImage) => readonly Pick<Detection, 'box'>[],
): { labelled: number; found: number; falsePositives: number } {
  const tally = { labelled: 0, found: 0, falsePositives: 0 };
  for (const image of images) {
    const m = matchDetections(image.faces, detectionsOf(image));
    tally.labelled += m.labelled;
    tally.found += m.found;
    tally.falsePositives += m.unmatched;
  }
  return tally;
}
