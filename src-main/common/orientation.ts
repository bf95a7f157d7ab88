import type { Box, Point } from './geometry.js';

/**
 * EXIF orientation: how the stored pixels must be turned to be seen upright.
 * 1 as stored, 2 mirrored left-right, 3 turned 180°, 4 mirrored top-bottom, 5 transposed (mirrored along the
 * top-left to bottom-right diagonal), 6 turned 90° clockwise to view, 7 transversed, 8 turned 90° anticlockwise to view.
 *
 * Coordinates are continuous pixel coordinates (a box edge at x = width is the image's right edge), so a point maps
 * exactly and a box maps to a box of the same size, its width and height swapped for 5 to 8.
 */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** A valid orientation, 1 for anything else (absent, 0, out of range), as readers do. */
export function toOrientation(value: unknown): Orientation {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 8 ? (value as Orientation) : 1;
}

/** Orientations 5 to 8 swap width and height between the stored and the upright image. */
export function swapsAxes(orientation: Orientation): boolean {
  return orientation >= 5;
}

/** The upright size of a stored image (or the stored size of an upright one: swapping is its own inverse). */
export function uprightSize(stored: Size, orientation: Orientation): Size {
  return swapsAxes(orientation) ? { width: stored.height, height: stored.width } : { width: stored.width, height: stored.height };
}

export function storedSize(upright: Size, orientation: Orientation): Size {
  return uprightSize(upright, orientation);
}

/** Where a point of the stored image appears in the upright image. `stored` is the stored image's size. */
export function storedToUprightPoint(p: Point, stored: Size, orientation: Orientation): Point {
  const [x, y] = p;
  const { width: w, height: h } = stored;
  switch (orientation) {
    case 1:
      return [x, y];
    case 2:
      return [w - x, y];
    case 3:
      return [w - x, h - y];
    case 4:
      return [x, h - y];
    case 5:
      return [y, x];
    case 6:
      return [h - y, x];
    case 7:
      return [h - y, w - x];
    case 8:
      return [y, w - x];
  }
}

/** Where a point of the upright image lies in the stored image. `upright` is the upright image's size. */
export function uprightToStoredPoint(p: Point, upright: Size, orientation: Orientation): Point {
  const [x, y] = p;
  const { width: w, height: h } = upright;
  switch (orientation) {
    case 1:
      return [x, y];
    case 2:
      return [w - x, y];
    case 3:
      return [w - x, h - y];
    case 4:
      return [x, h - y];
    case 5:
      return [y, x];
    case 6:
      return [y, w - x];
    case 7:
      return [h - y, w - x];
    case 8:
      return [h - y, x];
  }
}

function boxFromCorners(a: Point, b: Point): Box {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
}

/** A box of the stored image, in the upright image. */
export function storedToUprightBox(box: Box, stored: Size, orientation: Orientation): Box {
  return boxFromCorners(
    storedToUprightPoint([box[0], box[1]], stored, orientation),
    storedToUprightPoint([box[2], box[3]], stored, orientation),
  );
}

/** A box of the upright image, in the stored image. */
export function uprightToStoredBox(box: Box, upright: Size, orientation: Orientation): Box {
  return boxFromCorners(
    uprightToStoredPoint([box[0], box[1]], upright, orientation),
    uprightToStoredPoint([box[2], box[3]], upright, orientation),
  );
}
