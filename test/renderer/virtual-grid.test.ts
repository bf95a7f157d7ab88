import { fireEvent, render } from '@testing-library/svelte';
import { createRawSnippet } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import VirtualGrid from '../../src-renderer/components/VirtualGrid.svelte';
import { gridLayout, scrollToShow, visibleRange } from '../../src-renderer/lib/virtual-grid';

describe('grid layout', () => {
  it('fits as many columns as cells of the minimum width allow, and stretches them to fill the row', () => {
    const l = gridLayout(1000, 150, 10, 1);
    expect(l.columns).toBe(6); // 6 × 150 + 5 × 10 = 950 ≤ 1000; 7 would need 1110
    expect(l.cellWidth).toBeCloseTo((1000 - 50) / 6);
    expect(l.rowHeight).toBe(Math.round((1000 - 50) / 6 + 10));
  });

  it('keeps one column however narrow, and adds the caption height', () => {
    const l = gridLayout(80, 150, 10, 0.5, 40);
    expect(l.columns).toBe(1);
    expect(l.cellWidth).toBe(80);
    expect(l.rowHeight).toBe(40 + 40 + 10);
  });
});

describe('visible range', () => {
  it('renders the rows on screen plus the overscan, from the top', () => {
    const r = visibleRange({ count: 100_000, columns: 5, rowHeight: 100, scrollTop: 0, viewportHeight: 450, overscanRows: 2 });
    expect(r).toEqual({ start: 0, end: (5 + 2) * 5, offsetTop: 0, totalHeight: 20_000 * 100 });
  });

  it('renders only a window in the middle of 100,000 items', () => {
    const r = visibleRange({ count: 100_000, columns: 5, rowHeight: 100, scrollTop: 1_000_050, viewportHeight: 450, overscanRows: 2 });
    // Rows 10000 (from its 50th px) to 10004 (to its 50th px) are visible; 2 more each side.
    expect(r.start).toBe(9998 * 5);
    expect(r.end).toBe(10_007 * 5);
    expect(r.offsetTop).toBe(9998 * 100);
    expect(r.end - r.start).toBeLessThan(100);
  });

  it('stops at the last item, with a short last row', () => {
    const r = visibleRange({ count: 23, columns: 5, rowHeight: 100, scrollTop: 10_000, viewportHeight: 300, overscanRows: 1 });
    expect(r.end).toBe(23);
    expect(r.totalHeight).toBe(500);
    expect(r.start).toBe(5); // scroll clamped to the bottom (200): rows 2..4 visible, one row of overscan above
  });

  it('is empty for no items or a degenerate row height', () => {
    expect(visibleRange({ count: 0, columns: 4, rowHeight: 100, scrollTop: 0, viewportHeight: 500 })).toMatchObject({ start: 0, end: 0, totalHeight: 0 });
    expect(visibleRange({ count: 10, columns: 4, rowHeight: 0, scrollTop: 0, viewportHeight: 500 })).toMatchObject({ start: 0, end: 0 });
  });

  it('scrolls just enough to show an item', () => {
    expect(scrollToShow(0, 4, 100, 0, 300)).toBe(0);
    expect(scrollToShow(20, 4, 100, 0, 300)).toBe(600 - 300); // row 5: bottom at 600
    expect(scrollToShow(4, 4, 100, 500, 300)).toBe(100); // row 1 is above
  });
});

describe('<VirtualGrid>', () => {
  const restore: (() => void)[] = [];
  afterEach(() => restore.splice(0).forEach((undo) => undo()));

  /** jsdom has no layout: give the grid's viewport a size. */
  function fakeViewport(width: number, height: number): void {
    for (const [prop, value] of [
      ['clientWidth', width],
      ['clientHeight', height],
    ] as const) {
      const original = Object.getOwnPropertyDescriptor(Element.prototype, prop)!;
      Object.defineProperty(Element.prototype, prop, {
        configurable: true,
        get(this: Element) {
          return this.getAttribute('role') === 'list' ? value : 0;
        },
      });
      restore.push(() => Object.defineProperty(Element.prototype, prop, original));
    }
  }

  const cell = createRawSnippet((index: () => number) => ({ render: () => `<span class="item">#${index()}</span>` }));

  it('renders only the visible rows of 100,000 items, and moves the window on scroll', async () => {
    fakeViewport(1000, 600);
    const ranges: [number, number][] = [];
    const { container } = render(VirtualGrid, {
      props: { count: 100_000, item: cell, minCellWidth: 190, gap: 10, aspect: 1, overscanRows: 1, onrange: (s: number, e: number) => ranges.push([s, e]) },
    });
    const items = (): string[] => [...container.querySelectorAll('.item')].map((e) => e.textContent ?? '');
    // 5 columns of 192 px, rows of 202 px: 3 rows fill 600 px, plus one of overscan below.
    expect(items()).toHaveLength(4 * 5);
    expect(items()[0]).toBe('#0');
    expect(ranges.at(-1)).toEqual([0, 20]);

    const viewport = container.querySelector('[role=list]') as HTMLElement;
    Object.defineProperty(viewport, 'scrollTop', { configurable: true, value: 202 * 1000 });
    await fireEvent.scroll(viewport);
    expect(items()[0]).toBe(`#${999 * 5}`);
    expect(items()).toHaveLength(5 * 5);
    expect(ranges.at(-1)).toEqual([999 * 5, 1004 * 5]);
    const spacer = viewport.firstElementChild as HTMLElement;
    expect(spacer.style.height).toBe(`${20_000 * 202}px`);
  });

  it('shows the empty snippet when there is nothing', () => {
    fakeViewport(600, 400);
    const empty = createRawSnippet(() => ({ render: () => '<p>Nothing yet</p>' }));
    const { getByText } = render(VirtualGrid, { props: { count: 0, item: cell, empty } });
    expect(getByText('Nothing yet')).toBeTruthy();
  });
});
