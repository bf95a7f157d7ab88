import { fireEvent, render } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { PhotoFace } from '../../src-main/common/api/contract';
import FaceOverlay from '../../src-renderer/components/FaceOverlay.svelte';
import { boxToScreen, displayScale, dragToBox, fitInside, landmarksToScreen } from '../../src-renderer/lib/overlay';

const face = (id: number, box: [number, number, number, number], personName: string | null = null): PhotoFace => ({
  id,
  box,
  landmarks: [
    [box[0] + 10, box[1] + 10],
    [box[2] - 10, box[1] + 10],
    [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2],
    [box[0] + 12, box[3] - 10],
    [box[2] - 12, box[3] - 10],
  ],
  score: 0.99,
  quality: 0.8,
  origin: 'detected',
  personId: personName ? 1 : null,
  personName,
  status: personName ? 'confirmed' : null,
  confidence: personName ? 1 : null,
});

describe('overlay maths', () => {
  it('scales boxes and landmarks from full-size pixels to the displayed size', () => {
    const s = displayScale({ width: 4000, height: 3000 }, { width: 800, height: 600 });
    expect(s).toEqual({ x: 0.2, y: 0.2 });
    expect(boxToScreen([1000, 500, 1500, 1100], s)).toEqual({ x: 200, y: 100, width: 100, height: 120 });
    expect(landmarksToScreen([[1000, 500], [1500, 500], [1250, 800], [1100, 1000], [1400, 1000]], s)[2]).toEqual({ x: 250, y: 160 });
  });

  it('fits a photo inside a frame, keeping its proportions and never enlarging past the limit', () => {
    expect(fitInside({ width: 4000, height: 3000 }, { width: 1000, height: 500 })).toEqual({ width: 666, height: 500 });
    expect(fitInside({ width: 300, height: 200 }, { width: 1000, height: 1000 }, 1.5)).toEqual({ width: 450, height: 300 });
    expect(fitInside({ width: 300, height: 200 }, { width: 0, height: 1000 })).toEqual({ width: 0, height: 0 });
  });

  it('turns a drag on screen into a box in photo pixels, in any direction, clamped to the photo', () => {
    const s = { x: 0.5, y: 0.5 };
    expect(dragToBox({ x: 100, y: 80 }, { x: 40, y: 20 }, s, { width: 1000, height: 800 })).toEqual([80, 40, 200, 160]);
    expect(dragToBox({ x: -20, y: 390 }, { x: 30, y: 500 }, s, { width: 1000, height: 800 })).toEqual([0, 780, 60, 800]);
    expect(dragToBox({ x: 10, y: 10 }, { x: 11, y: 11 }, s, { width: 1000, height: 800 })).toBeNull(); // a click, not a drag
  });
});

describe('<FaceOverlay>', () => {
  const faces = [face(1, [1000, 500, 1500, 1100], 'Ann'), face(2, [2500, 400, 3000, 1000])];

  it('draws each box, its five landmarks and its name, scaled to the displayed photo', () => {
    const { container, getByText } = render(FaceOverlay, {
      props: { faces, naturalWidth: 4000, naturalHeight: 3000, displayWidth: 800, displayHeight: 600 },
    });
    const box = container.querySelector('rect.box[data-face-id="1"]')!;
    expect([box.getAttribute('x'), box.getAttribute('y'), box.getAttribute('width'), box.getAttribute('height')]).toEqual(['200', '100', '100', '120']);
    expect(container.querySelectorAll('circle.landmark')).toHaveLength(10);
    expect(container.querySelector('circle.landmark')!.getAttribute('cx')).toBe(String((1000 + 10) * 0.2));
    expect(getByText('Ann')).toBeTruthy();
    expect(getByText('Who is this?')).toBeTruthy();
    const hit = container.querySelectorAll<HTMLElement>('[data-testid=face-box]')[1]!;
    expect([hit.style.left, hit.style.top, hit.style.width, hit.style.height]).toEqual(['500px', '80px', '100px', '120px']);
  });

  it('follows a new display size', async () => {
    const { container, rerender } = render(FaceOverlay, {
      props: { faces, naturalWidth: 4000, naturalHeight: 3000, displayWidth: 800, displayHeight: 600 },
    });
    await rerender({ faces, naturalWidth: 4000, naturalHeight: 3000, displayWidth: 400, displayHeight: 300 });
    expect(container.querySelector('rect.box[data-face-id="1"]')!.getAttribute('width')).toBe('50');
  });

  it('selects a face on click, and reports a face drawn by dragging', async () => {
    const onselect = vi.fn();
    const ondraw = vi.fn();
    const { container } = render(FaceOverlay, {
      props: { faces, naturalWidth: 4000, naturalHeight: 3000, displayWidth: 800, displayHeight: 600, onselect, ondraw, showLandmarks: false },
    });
    expect(container.querySelectorAll('circle.landmark')).toHaveLength(0);
    await fireEvent.click(container.querySelectorAll('[data-testid=face-box]')[1]!);
    expect(onselect).toHaveBeenCalledWith(2);

    const layer = container.querySelector('.overlay') as HTMLElement;
    layer.getBoundingClientRect = () => ({ left: 0, top: 0, x: 0, y: 0, width: 800, height: 600, right: 800, bottom: 600, toJSON: () => ({}) });
    await fireEvent.pointerDown(layer, { button: 0, clientX: 400, clientY: 300, pointerId: 1 });
    await fireEvent.pointerMove(layer, { clientX: 460, clientY: 380, pointerId: 1 });
    expect(container.querySelector('rect.band')).not.toBeNull();
    await fireEvent.pointerUp(layer, { clientX: 460, clientY: 380, pointerId: 1 });
    expect(ondraw).toHaveBeenCalledWith([2000, 1500, 2300, 1900]);
    expect(container.querySelector('rect.band')).toBeNull();
  });
});
