/** A point in pixels: [x, y]. */
export type Point = readonly [x: number, y: number];

/** An axis-aligned box in pixels: [x1, y1, x2, y2], x2 > x1, y2 > y1. */
export type Box = readonly [x1: number, y1: number, x2: number, y2: number];

/**
 * The five facial landmarks in the order every model and file of Facetag uses:
 * eye on the image-left, eye on the image-right, nose tip, mouth corner image-left, mouth corner image-right.
 */
export type Landmarks5 = readonly [Point, Point, Point, Point, Point];

export const LANDMARK_NAMES = ['left eye', 'right eye', 'nose', 'left mouth corner', 'right mouth corner'] as const;

export function boxWidth(b: Box): number {
  return b[2] - b[0];
}

export function boxHeight(b: Box): number {
  return b[3] - b[1];
}

export function boxArea(b: Box): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

/** Intersection over union of two boxes, 0 when they do not overlap. */
export function iou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / (boxArea(a) + boxArea(b) - inter);
}

/** Greedy non-maximum suppression: keeps the best-scoring item of each group overlapping more than `iouThreshold`. */
export function nonMaximumSuppression<T extends { readonly box: Box; readonly score: number }>(
  items: readonly T[],
  iouThreshold: number,
): T[] {
  const sorted = [...items].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const item of sorted) {
    if (kept.every((k) => iou(k.box, item.box) <= iouThreshold)) kept.push(item);
  }
  return kept;
}

export function scaleBox(b: Box, s: number): Box {
  return [b[0] * s, b[1] * s, b[2] * s, b[3] * s];
}

export function scaleLandmarks(l: Landmarks5, s: number): Landmarks5 {
  return l.map(([x, y]) => [x * s, y * s] as const) as unknown as Landmarks5;
}

export function clampBox(b: Box, width: number, height: number): Box {
  return [
    Math.min(Math.max(b[0], 0), width),
    Math.min(Math.max(b[1], 0), height),
    Math.min(Math.max(b[2], 0), width),
    Math.min(Math.max(b[3], 0), height),
  ];
}
