import { watch, type FSWatcher } from 'chokidar';
import path from 'node:path';
import { hasPhotoExtension } from '../image/find-images.js';

export interface FolderWatcherOptions {
  /** A file must keep its size this long before it counts as written (copies in progress wait). */
  readonly stableMs?: number;
  /** Changes arriving within this window are handled together (so a move's unlink and add meet). */
  readonly batchMs?: number;
  readonly onBatch: (paths: string[]) => Promise<void>;
  readonly onError?: (error: unknown) => void;
}

/**
 * Watches library folders and hands the changed paths over in batches, one batch at a time. chokidar reports a
 * file only once it has stopped growing (awaitWriteFinish), so half-copied photos are not read.
 */
export class FolderWatcher {
  private readonly watcher: FSWatcher;
  private pending = new Set<string>();
  private pendingUnlink = false;
  private readonly holdUnlinkMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(folders: readonly string[], private readonly options: FolderWatcherOptions) {
    const stableMs = options.stableMs ?? 2000;
    // A move is an unlink at once and an add only after the new file has been stable for stableMs: a batch with an
    // unlink waits longer (twice that, for a busy event loop), so both halves of the move meet in it (else the
    // photo would be removed, and its copy re-detected as a new photo).
    this.holdUnlinkMs = 2 * stableMs;
    this.watcher = watch([...folders], {
      ignoreInitial: true,
      followSymlinks: true,
      ignored: (file: string, stats?: { isFile(): boolean }) =>
        path.basename(file).startsWith('.') || (stats?.isFile() === true && !hasPhotoExtension(file)),
      awaitWriteFinish: { stabilityThreshold: stableMs, pollInterval: Math.min(200, stableMs / 4) },
    });
    const queue = (file: string): void => this.queue(file, false);
    this.watcher.on('add', queue).on('change', queue).on('unlink', (file: string) => this.queue(file, true));
    this.watcher.on('error', (error) => options.onError?.(error));
  }

  /** Resolves once the initial directory crawl is done and events are being reported. */
  ready(): Promise<void> {
    return new Promise((resolve) => this.watcher.once('ready', () => resolve()));
  }

  private queue(file: string, unlink: boolean): void {
    this.pending.add(path.resolve(file));
    this.pendingUnlink ||= unlink;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), (this.options.batchMs ?? 1000) + (this.pendingUnlink ? this.holdUnlinkMs : 0));
  }

  private flush(): void {
    const batch = [...this.pending];
    this.pending = new Set();
    this.pendingUnlink = false;
    this.running = this.running.then(() => this.options.onBatch(batch)).catch((error: unknown) => this.options.onError?.(error));
  }

  /** Waits for the batch being handled, if any. */
  idle(): Promise<void> {
    return this.running;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.watcher.close();
    await this.running;
  }
}
