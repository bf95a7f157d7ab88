export interface ProgressState {
  readonly done: number;
  readonly total: number;
  readonly photosPerSecond: number;
  readonly etaSeconds: number | null;
  readonly currentFile: string | null;
  readonly errors: number;
  readonly paused?: boolean;
}

function formatEta(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.round((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

export function renderProgress(p: ProgressState, columns: number): string {
  const width = 24;
  const filled = Math.round((width * p.done) / Math.max(1, p.total));
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const eta = p.etaSeconds === null ? '' : ` ETA ${formatEta(p.etaSeconds)}`;
  const errors = p.errors > 0 ? ` ${p.errors} error(s)` : '';
  const state = p.paused ? ' paused' : '';
  const text = `${bar} ${p.done}/${p.total} ${p.photosPerSecond.toFixed(1)} photos/s${eta}${errors}${state} ${p.currentFile ?? ''}`;
  return text.slice(0, Math.max(20, columns - 1));
}

/** Human progress on stderr: a live line on a terminal (redrawn at most 10 times a second), nothing otherwise. */
export class ProgressLine {
  private readonly live = Boolean(process.stderr.isTTY);
  private readonly started = Date.now();
  private lastDraw = 0;

  show(state: ProgressState, force = false): void {
    if (!this.live) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    process.stderr.write(`\r\x1b[K${renderProgress(state, process.stderr.columns ?? 100)}`);
  }

  done(summary: string): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    process.stderr.write(`${this.live ? '\r\x1b[K' : ''}${summary} in ${seconds}s\n`);
  }
}

/** Counts photos for commands that go through a list one by one. */
export class CountingProgress {
  private done = 0;
  private errors = 0;
  private readonly started = Date.now();
  readonly line = new ProgressLine();

  constructor(private readonly total: number) {}

  step(currentFile: string, failed: boolean): void {
    this.done++;
    if (failed) this.errors++;
    const rate = this.done / Math.max(0.001, (Date.now() - this.started) / 1000);
    this.line.show({
      done: this.done,
      total: this.total,
      photosPerSecond: rate,
      etaSeconds: (this.total - this.done) / rate,
      currentFile,
      errors: this.errors,
    });
  }
}
