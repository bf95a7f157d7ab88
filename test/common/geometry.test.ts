import { describe, expect, it } from 'vitest';
import {
  boxArea,
  boxHeight,
  boxWidth,
  clampBox,
  iou,
  nonMaximumSuppression,
  scaleBox,
  scaleLandmarks,
  type Box,
  type Landmarks5,
} from '../../src-main/common/geometry.js';

describe('box measures', () => {
  it('width, height, area', () => {
    const b: Box = [10, 20, 40, 60];
    expect(boxWidth(b)).toBe(30);
    expect(boxHeight(b)).toBe(40);
    expect(boxArea(b)).toBe(1200);
  });

  it('an inverted box has no area', () => {
    expect(boxArea([10, 10, 5, 20])).toBe(0);
    expect(boxArea([10, 10, 20, 5])).toBe(0);
  });
});

describe('iou', () => {
  it('is 1 for identical boxes', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
  });

  it('is 0 for disjoint boxes and for boxes that only touch', () => {
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
    expect(iou([0, 0, 10, 10], [0, 10, 10, 20])).toBe(0);
  });

  it('computes a partial overlap', () => {
    // Overlap 5 x 10 = 50, union 100 + 100 - 50 = 150.
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(1 / 3, 12);
    // Overlap 5 x 5 = 25, union 175.
    expect(iou([0, 0, 10, 10], [5, 5, 15, 15])).toBeCloseTo(25 / 175, 12);
  });

  it('a box inside another: inner area over outer area', () => {
    expect(iou([0, 0, 10, 10], [2, 2, 7, 7])).toBeCloseTo(25 / 100, 12);
  });

  it('is symmetric', () => {
    const a: Box = [3, 4, 17, 21];
    const b: Box = [8, 1, 25, 15];
    expect(iou(a, b)).toBe(iou(b, a));
  });
});

describe('nonMaximumSuppression', () => {
  const item = (box: Box, score: number, tag: string) => ({ box, score, tag });

  it('keeps the best of overlapping boxes and every separate box, best first', () => {
    const items = [
      item([0, 0, 10, 10], 0.8, 'a-weaker'),
      item([100, 100, 110, 110], 0.6, 'far'),
      item([1, 0, 11, 10], 0.9, 'a-best'),
      item([0, 1, 10, 11], 0.7, 'a-weakest'),
    ];
    expect(nonMaximumSuppression(items, 0.4).map((i) => i.tag)).toEqual(['a-best', 'far']);
  });

  it('keeps a box whose overlap is at the threshold (suppresses only above it)', () => {
    // IoU exactly 1/3.
    const items = [item([0, 0, 10, 10], 0.9, 'first'), item([5, 0, 15, 10], 0.8, 'second')];
    expect(nonMaximumSuppression(items, 1 / 3).map((i) => i.tag)).toEqual(['first', 'second']);
    expect(nonMaximumSuppression(items, 0.3).map((i) => i.tag)).toEqual(['first']);
  });

  it('does not chain: a box suppressed by a kept one cannot suppress others', () => {
    // b overlaps a and c, a and c do not overlap: a kept, b suppressed, c kept.
    const items = [item([0, 0, 10, 10], 0.9, 'a'), item([6, 0, 16, 10], 0.8, 'b'), item([12, 0, 22, 10], 0.7, 'c')];
    expect(nonMaximumSuppression(items, 0.2).map((i) => i.tag)).toEqual(['a', 'c']);
  });

  it('handles empty input and leaves its input unchanged', () => {
    expect(nonMaximumSuppression([], 0.4)).toEqual([]);
    const items = [item([0, 0, 10, 10], 0.1, 'x'), item([0, 0, 10, 10], 0.9, 'y')];
    const copy = [...items];
    nonMaximumSuppression(items, 0.4);
    expect(items).toEqual(copy);
  });
});

describe('scaling and clamping', () => {
  it('scales boxes and landmarks', () => {
    expect(scaleBox([1, 2, 3, 4], 2)).toEqual([2, 4, 6, 8]);
    const l: Landmarks5 = [[1, 1], [3, 1], [2, 2], [1, 3], [3, 3]];
    expect(scaleLandmarks(l, 0.5)).toEqual([[0.5, 0.5], [1.5, 0.5], [1, 1], [0.5, 1.5], [1.5, 1.5]]);
  });

  it('clamps a box to the image', () => {
    expect(clampBox([-5, -3, 120, 50], 100, 80)).toEqual([0, 0, 100, 50]);
    expect(clampBox([10, 10, 20, 20], 100, 80)).toEqual([10, 10, 20, 20]);
  });
});
