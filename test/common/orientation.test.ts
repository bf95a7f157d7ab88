import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Box, Point } from '../../src-main/common/geometry.js';
import {
  storedSize,
  storedToUprightBox,
  storedToUprightPoint,
  swapsAxes,
  toOrientation,
  uprightSize,
  uprightToStoredBox,
  uprightToStoredPoint,
  type Orientation,
} from '../../src-main/common/orientation.js';

const ALL: Orientation[] = [1, 2, 3, 4, 5, 6, 7, 8];
const STORED = { width: 60, height: 40 };

describe('orientation maths', () => {
  it('sizes: 5 to 8 swap width and height, 1 to 4 keep them', () => {
    for (const o of ALL) {
      const upright = uprightSize(STORED, o);
      expect(upright).toEqual(o >= 5 ? { width: 40, height: 60 } : { width: 60, height: 40 });
      expect(swapsAxes(o)).toBe(o >= 5);
      expect(storedSize(upright, o)).toEqual(STORED);
    }
  });

  it('the corners of the stored image are the corners of the upright one', () => {
    for (const o of ALL) {
      const upright = uprightSize(STORED, o);
      const corners: Point[] = [
        [0, 0],
        [STORED.width, 0],
        [0, STORED.height],
        [STORED.width, STORED.height],
      ];
      const mapped = corners.map((c) => storedToUprightPoint(c, STORED, o)).map(([x, y]) => `${x},${y}`).sort();
      expect(mapped).toEqual(['0,0', `${upright.width},0`, `0,${upright.height}`, `${upright.width},${upright.height}`].sort());
    }
  });

  it('known cases: 6 (turned clockwise to view) and 8 (anticlockwise)', () => {
    // The stored image's top-left corner is the upright image's top-right for 6, bottom-left for 8.
    expect(storedToUprightPoint([0, 0], STORED, 6)).toEqual([40, 0]);
    expect(storedToUprightPoint([0, 0], STORED, 8)).toEqual([0, 60]);
    expect(storedToUprightPoint([0, 0], STORED, 3)).toEqual([60, 40]);
    expect(storedToUprightPoint([10, 5], STORED, 2)).toEqual([50, 5]);
  });

  it('upright → stored → upright is the identity, for points and boxes', () => {
    for (const o of ALL) {
      const upright = uprightSize(STORED, o);
      for (const p of [[3, 7], [0, 0], [upright.width, upright.height], [12.5, 30.25]] as Point[]) {
        const back = storedToUprightPoint(uprightToStoredPoint(p, upright, o), STORED, o);
        expect(back[0]).toBeCloseTo(p[0], 9);
        expect(back[1]).toBeCloseTo(p[1], 9);
      }
      const box: Box = [5, 8, 17, 29];
      const stored = uprightToStoredBox(box, upright, o);
      expect(stored[2] - stored[0]).toBeCloseTo(o >= 5 ? 21 : 12, 9);
      expect(stored[3] - stored[1]).toBeCloseTo(o >= 5 ? 12 : 21, 9);
      storedToUprightBox(stored, STORED, o).forEach((v, i) => expect(v).toBeCloseTo(box[i]!, 9));
    }
  });

  it('toOrientation: 1 for anything that is not 1..8', () => {
    expect(toOrientation(6)).toBe(6);
    for (const bad of [0, 9, 2.5, null, undefined, '6']) expect(toOrientation(bad)).toBe(1);
  });

  it('agrees with how libvips shows an oriented image (one lit pixel, every orientation)', async () => {
    const { width, height } = { width: 7, height: 5 };
    const lit: Point = [5, 1];
    const raw = Buffer.alloc(width * height);
    raw[lit[1] * width + lit[0]] = 255;
    for (const o of ALL) {
      const tiff = await sharp(raw, { raw: { width, height, channels: 1 } }).withMetadata({ orientation: o }).tiff().toBuffer();
      const { data, info } = await sharp(tiff).rotate().extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      expect({ width: info.width, height: info.height }).toEqual(uprightSize({ width, height }, o));
      const at = data.indexOf(Math.max(...data));
      const seen: Point = [at % info.width, Math.floor(at / info.width)];
      // The lit pixel's centre maps to the centre of the pixel where libvips shows it, and back.
      const centre = storedToUprightPoint([lit[0] + 0.5, lit[1] + 0.5], { width, height }, o);
      expect([Math.floor(centre[0]), Math.floor(centre[1])], `orientation ${o}`).toEqual(seen);
      const back = uprightToStoredPoint([seen[0] + 0.5, seen[1] + 0.5], { width: info.width, height: info.height }, o);
      expect([Math.floor(back[0]), Math.floor(back[1])]).toEqual(lit);
    }
  });
});
