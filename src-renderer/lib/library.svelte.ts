import type { ScanState } from '../../src-main/common/api/contract';
import type { LibraryStatus, ScanProgress } from '../../src-main/common/library';
import type { AppState } from './app.svelte';
import { describeError, formatCount, formatDuration } from './format';

/** The library's folders and counts, and the scan in progress, kept current by the core's events. */
export class LibraryState {
  status = $state<LibraryStatus | null>(null);
  scan = $state<ScanState>({ running: false, progress: null, lastSummary: null });
  /** True between "Scan now" and the scan's end, including the moment before the first progress event. */
  busy = $derived(this.scan.running);
  progress = $derived<ScanProgress | null>(this.scan.running ? this.scan.progress : null);

  constructor(private readonly app: AppState) {}

  start(): () => void {
    const api = this.app.api;
    const stops = [
      api.on('scan.progress', (progress) => {
        this.scan = { ...this.scan, running: true, progress };
      }),
      api.on('scan.finished', ({ summary, error }) => {
        this.scan = { running: false, progress: null, lastSummary: summary ?? this.scan.lastSummary };
        if (error) this.app.toasts.error(`The scan stopped: ${error}`);
        else if (summary) {
          const errors = summary.errors.length ? `, ${formatCount(summary.errors.length, 'photo')} could not be read` : '';
          this.app.toasts.success(
            `Scan finished: ${formatCount(summary.photos, 'photo')}, ${formatCount(summary.faces, 'face')} in ${formatDuration(summary.seconds)}${errors}.`,
          );
        }
        void this.refresh();
        this.app.changed();
      }),
      api.on('library.changed', () => {
        void this.refresh();
        this.app.changed();
      }),
    ];
    void this.refresh();
    return () => stops.forEach((stop) => stop());
  }

  async refresh(): Promise<void> {
    try {
      const [status, scan] = await Promise.all([this.app.api.call('library.status', {}), this.app.api.call('scan.progress', {})]);
      this.status = status;
      this.scan = scan;
    } catch (error) {
      this.app.toasts.error(describeError(error));
    }
  }

  private async scanCall(method: 'scan.start' | 'scan.pause' | 'scan.resume' | 'scan.cancel'): Promise<void> {
    try {
      this.scan = await this.app.api.call(method, {});
    } catch (error) {
      this.app.toasts.error(describeError(error));
    }
  }

  startScan = (): Promise<void> => this.scanCall('scan.start');
  pause = (): Promise<void> => this.scanCall('scan.pause');
  resume = (): Promise<void> => this.scanCall('scan.resume');
  cancel = (): Promise<void> => this.scanCall('scan.cancel');

  async addFolder(path: string): Promise<boolean> {
    const added = await this.app.act(() => this.app.api.call('library.addFolder', { path: path.trim() }), (f) => `Added ${f.path}. Scan it to find the faces.`);
    await this.refresh();
    return added !== undefined;
  }

  async removeFolder(folderId: number, path: string): Promise<void> {
    await this.app.act(() => this.app.api.call('library.removeFolder', { folderId }), `Removed ${path} from the library (the photos themselves are untouched).`);
    await this.refresh();
  }
}
