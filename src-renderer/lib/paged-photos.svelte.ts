import type { FacetagApi, PhotoSummary } from '../../src-main/common/api/contract';

export const PAGE_SIZE = 200;

/**
 * A gallery's photos, loaded a page at a time as the grid scrolls to them (a library may hold 100,000 photos; only
 * the pages near the screen are ever asked for).
 */
export class PagedPhotos {
  total = $state(0);
  /** Bumped when a page arrives, so readers of `at()` update. */
  private version = $state(0);
  private readonly pages = new Map<number, PhotoSummary[]>();
  private readonly loading = new Set<number>();
  ready = $state(false);

  constructor(
    private readonly api: FacetagApi,
    private readonly personId?: number,
    private readonly onError?: (error: unknown) => void,
  ) {}

  /** Loads the first page (and the total). */
  async reload(): Promise<void> {
    this.pages.clear();
    this.loading.clear();
    await this.loadPage(0);
    this.ready = true;
  }

  at(index: number): PhotoSummary | undefined {
    void this.version;
    return this.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** Makes sure items [start, end) are loaded or on their way. */
  ensure(start: number, end: number): void {
    if (end <= start) return;
    for (let page = Math.floor(start / PAGE_SIZE); page <= Math.floor((end - 1) / PAGE_SIZE); page++) {
      if (!this.pages.has(page) && !this.loading.has(page)) void this.loadPage(page);
    }
  }

  /** Every loaded photo, in order (for finding one by path). */
  loaded(): PhotoSummary[] {
    void this.version;
    return [...this.pages.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, photos]) => photos);
  }

  private async loadPage(page: number): Promise<void> {
    this.loading.add(page);
    try {
      const result = await this.api.call('photos.list', {
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
        ...(this.personId === undefined ? {} : { personId: this.personId }),
      });
      this.pages.set(page, result.photos);
      this.total = result.total;
      this.version++;
    } catch (error) {
      this.onError?.(error);
    } finally {
      this.loading.delete(page);
    }
  }
}
