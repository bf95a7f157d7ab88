/** The maths of a virtualised grid: which rows are on screen, and where they go. Pure, so it is tested alone. */

export interface GridLayout {
  readonly columns: number;
  /** Width of one cell, px (cells share the row's width minus gaps). */
  readonly cellWidth: number;
  /** Height of one row including the gap below it, px. */
  readonly rowHeight: number;
}

/**
 * As many columns as fit cells at least `minCellWidth` wide (at least one), cells stretched to fill the width, rows
 * `cellWidth * aspect + extraHeight` high plus the gap.
 */
export function gridLayout(containerWidth: number, minCellWidth: number, gap: number, aspect: number, extraHeight = 0): GridLayout {
  const width = Math.max(0, containerWidth);
  const columns = Math.max(1, Math.floor((width + gap) / (minCellWidth + gap)));
  const cellWidth = Math.max(1, (width - gap * (columns - 1)) / columns);
  return { columns, cellWidth, rowHeight: Math.round(cellWidth * aspect + extraHeight + gap) };
}

export interface VisibleRange {
  /** First item index to render. */
  readonly start: number;
  /** One past the last item index to render. */
  readonly end: number;
  /** Top of the first rendered row, px from the grid's top. */
  readonly offsetTop: number;
  /** Height of the whole grid, px (so the scroll bar is right). */
  readonly totalHeight: number;
}

export interface RangeInput {
  readonly count: number;
  readonly columns: number;
  readonly rowHeight: number;
  readonly scrollTop: number;
  readonly viewportHeight: number;
  /** Rows rendered above and below the visible ones, so fast scrolling does not show holes. */
  readonly overscanRows?: number;
}

export function visibleRange({ count, columns, rowHeight, scrollTop, viewportHeight, overscanRows = 2 }: RangeInput): VisibleRange {
  const cols = Math.max(1, Math.floor(columns));
  const rows = Math.ceil(Math.max(0, count) / cols);
  const totalHeight = rows * rowHeight;
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, offsetTop: 0, totalHeight };
  const top = Math.min(Math.max(0, scrollTop), Math.max(0, totalHeight - viewportHeight));
  const firstRow = Math.max(0, Math.floor(top / rowHeight) - overscanRows);
  const lastRow = Math.min(rows, Math.ceil((top + Math.max(0, viewportHeight)) / rowHeight) + overscanRows);
  return { start: firstRow * cols, end: Math.min(count, lastRow * cols), offsetTop: firstRow * rowHeight, totalHeight };
}

/** The scroll position that brings item `index` into view (unchanged when it already is). */
export function scrollToShow(index: number, columns: number, rowHeight: number, scrollTop: number, viewportHeight: number): number {
  const row = Math.floor(index / Math.max(1, columns));
  const top = row * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return scrollTop;
}
