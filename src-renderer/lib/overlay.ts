import type { Box, Landmarks5 } from '../../src-main/common/geometry';

/** Face boxes and landmarks come in the photo's upright full-size pixels; the photo is shown at another size. */
export interface Scale {
  readonly x: number;
  readonly y: number;
}

export function displayScale(natural: { width: number; height: number }, displayed: { width: number; height: number }): Scale {
  if (!(natural.width > 0 && natural.height > 0)) return { x: 0, y: 0 };
  return { x: displayed.width / natural.width, y: displayed.height / natural.height };
}

export interface ScreenRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export function boxToScreen(box: Box, s: Scale): ScreenRect {
  return { x: box[0] * s.x, y: box[1] * s.y, width: (box[2] - box[0]) * s.x, height: (box[3] - box[1]) * s.y };
}

export function landmarksToScreen(landmarks: Landmarks5, s: Scale): { x: number; y: number }[] {
  return landmarks.map(([x, y]) => ({ x: x * s.x, y: y * s.y }));
}

/** A rectangle dragged between two points on screen, as a box in the photo's pixels (clamped to the photo). */
export function dragToBox(
  from: { x: number; y: number },
  to: { x: number; y: number },
  s: Scale,
  natural: { width: number; height: number },
): Box | null {
  if (!(s.x > 0 && s.y > 0)) return null;
  const clampX = (v: number): number => Math.min(natural.width, Math.max(0, v / s.x));
  const clampY = (v: number): number => Math.min(natural.height, Math.max(0, v / s.y));
  const x1 = clampX(Math.min(from.x, to.x));
  const x2 = clampX(Math.max(from.x, to.x));
  const y1 = clampY(Math.min(from.y, to.y));
  const y2 = clampY(Math.max(from.y, to.y));
  const box: Box = [Math.round(x1), Math.round(y1), Math.round(x2), Math.round(y2)];
  return box[2] - box[0] >= 4 && box[3] - box[1] >= 4 ? box : null;
}

/** A screen rectangle from two drag points (for drawing the rubber band). */
export function dragRect(from: { x: number; y: number }, to: { x: number; y: number }): ScreenRect {
  return { x: Math.min(from.x, to.x), y: Math.min(from.y, to.y), width: Math.abs(to.x - from.x), height: Math.abs(to.y - from.y) };
}

/** The size at which a photo fits inside a frame (never enlarged beyond `maxScale`), keeping its proportions. */
export function fitInside(natural: { width: number; height: number }, frame: { width: number; height: number }, maxScale = Infinity): { width: number; height: number } {
  if (!(natural.width > 0 && natural.height > 0 && frame.width > 0 && frame.height > 0)) return { width: 0, height: 0 };
  const s = Math.min(frame.width / natural.width, frame.height / natural.height, maxScale);
  return { width: Math.floor(natural.width * s), height: Math.floor(natural.height * s) };
}
