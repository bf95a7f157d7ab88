import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { AnalysedFace } from '../../common/face.js';
import type { ScanError, ScanProgress, ScanSummary } from '../../common/library.js';
import type { FileFacts, IndexedPhoto, LibraryRepository, PhotoAnalysisRecord } from '../store/library.repository.js';
import type { PipelineOptions } from '../vision/face-pipeline.js';
import type { AnalyseResult, HashResult } from './index-protocol.js';
import { IndexWorkerPool } from './index-worker-pool.js';
import { folderAvailable, listPhotoFiles } from './photo-files.js';

export interface ScannerOptions {
  readonly pipeline?: PipelineOptions;
  /** Worker threads; default one per core. */
  readonly workers?: number;
  readonly onProgress?: (progress: ScanProgress) => void;
}

/** The scan could not go on (e.g. the disk is full); what was committed before stays valid. */
export class ScanAbortedError extends Error {
  override readonly name = 'ScanAbortedError';
}

interface FoundFile {
  readonly folderId: number;
  readonly facts: FileFacts;
}

interface IndexJob extends FoundFile {
  readonly kind: 'new' | 'changed';
  /** For a changed file that was read fine before: its content hash then (same hash: only touched). */
  readonly knownHash?: string;
  /** Set when the file turned out to be a known photo, moved. */
  movedFrom?: number;
}

const emptySummary = (): ScanSummary => ({
  photos: 0,
  faces: 0,
  new: 0,
  changed: 0,
  moved: 0,
  removed: 0,
  unchanged: 0,
  errors: [],
  seconds: 0,
});

function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC';
}

function toRecord(facts: FileFacts, result: AnalyseResult): PhotoAnalysisRecord {
  const dim = result.faces.length > 0 ? result.embeddings.length / result.faces.length : 0;
  const faces: AnalysedFace[] = result.faces.map((face, i) => ({
    ...face,
    embedding: result.embeddings.subarray(i * dim, (i + 1) * dim),
  }));
  const { kind: _kind, embeddings: _embeddings, faces: _faces, ...identityAndMetadata } = result;
  return { ...identityAndMetadata, path: facts.path, faces };
}

/**
 * Keeps the library in step with the disk: lists the folders, then indexes new and changed photos in worker
 * threads, recognises moved photos by content, and removes deleted ones. Every photo lands in one transaction, so a
 * scan killed at any moment resumes where it stopped.
 */
export class LibraryScanner {
  private pool: IndexWorkerPool | undefined;
  private poolsStarted = 0;
  private paused = false;
  private cancelled = false;
  private resumeWaiters: (() => void)[] = [];
  private progress: ScanProgress = {
    phase: 'listing',
    done: 0,
    total: 0,
    photosPerSecond: 0,
    etaSeconds: null,
    currentFile: null,
    errors: 0,
    paused: false,
  };

  constructor(
    private readonly repo: LibraryRepository,
    private readonly options: ScannerOptions = {},
  ) {}

  pause(): void {
    this.paused = true;
    this.emit({ paused: true });
  }

  resume(): void {
    this.paused = false;
    for (const wake of this.resumeWaiters.splice(0)) wake();
    this.emit({ paused: false });
  }

  /** Stops after the photos being analysed now; what is done stays done. */
  cancel(): void {
    this.cancelled = true;
    this.resume();
  }

  private emit(change: Partial<ScanProgress>): void {
    this.progress = { ...this.progress, ...change };
    this.options.onProgress?.(this.progress);
  }

  private getPool(): IndexWorkerPool {
    if (!this.pool) {
      this.pool = new IndexWorkerPool(this.options.pipeline, this.options.workers);
      this.poolsStarted++;
    }
    return this.pool;
  }

  /** How many times this scanner started its worker threads (none when every photo was unchanged). */
  get workerPoolsStarted(): number {
    return this.poolsStarted;
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  /** Adds the folders to the library (if new) and brings everything in them up to date. */
  async scan(folderPaths: readonly string[]): Promise<ScanSummary> {
    const started = Date.now();
    const summary = emptySummary();
    const scanId = this.repo.startScan();
    this.cancelled = false;
    this.emit({ phase: 'listing', done: 0, total: 0, currentFile: null, errors: 0 });
    const found: FoundFile[] = [];
    const missing: IndexedPhoto[] = [];
    const folderIds: number[] = [];
    try {
      for (const folderPath of folderPaths) {
        const root = path.resolve(folderPath);
        if (!(await folderAvailable(root))) {
          summary.errors.push({ file: root, error: 'the folder is not available (deleted, renamed or on a disk that is not connected); its photos are kept' });
          const known = this.repo.folderByPath(root);
          if (known) folderIds.push(known.id);
          continue;
        }
        // A folder inside one the library already has is scanned as part of it.
        const container = this.repo.listFolders().find((f) => root === f.path || root.startsWith(f.path + path.sep));
        const folder = container ?? this.repo.addFolder(root);
        folderIds.push(folder.id);
        const listing = await listPhotoFiles(root);
        for (const u of listing.unreadableFolders) summary.errors.push({ file: u.path, error: u.error });
        const known = [...this.repo.photosInFolder(folder.id).values()].filter((p) => p.path.startsWith(root + path.sep));
        const onDisk = new Set<string>();
        for (const facts of listing.files) {
          onDisk.add(facts.path);
          found.push({ folderId: folder.id, facts });
        }
        const unreadable = listing.unreadableFolders.map((u) => u.path + path.sep);
        for (const photo of known) {
          // A photo in a folder we could not read is not known to be gone.
          if (!onDisk.has(photo.path) && !unreadable.some((prefix) => photo.path.startsWith(prefix))) missing.push(photo);
        }
      }
      await this.reconcile(found, missing, summary);
      const outcome = this.cancelled ? 'cancelled' : 'completed';
      Object.assign(summary, this.repo.countFacesInFolders(folderIds), { seconds: (Date.now() - started) / 1000 });
      this.repo.finishScan(scanId, outcome, summary);
      return summary;
    } catch (error) {
      summary.seconds = (Date.now() - started) / 1000;
      try {
        this.repo.finishScan(scanId, 'failed', summary);
      } catch {
        // The database may be what failed; its last committed state stays valid.
      }
      if (isDiskFull(error)) {
        throw new ScanAbortedError('the disk is full: the scan stopped; everything indexed before this photo is saved. Free some space and scan again to continue.', { cause: error });
      }
      throw error;
    } finally {
      this.emit({ phase: 'done', currentFile: null });
    }
  }

  /**
   * Brings specific paths up to date (for the watcher): paths that exist are indexed if new or changed, paths that
   * are gone are removed (or recognised as moved when another of `paths` has their content).
   */
  async syncPaths(paths: readonly string[]): Promise<ScanSummary> {
    const started = Date.now();
    const summary = emptySummary();
    const folders = this.repo.listFolders();
    const found: FoundFile[] = [];
    const missing: IndexedPhoto[] = [];
    for (const p of paths) {
      const folder = folders
        .filter((f) => p.startsWith(f.path + path.sep))
        .sort((a, b) => b.path.length - a.path.length)[0];
      if (!folder) continue;
      const info = await stat(p).catch(() => undefined);
      if (info?.isFile()) found.push({ folderId: folder.id, facts: { path: p, size: info.size, mtimeMs: info.mtimeMs } });
      else if (!info && (await folderAvailable(folder.path))) {
        const known = this.repo.photoByPath(p);
        if (known) missing.push(known);
      }
    }
    await this.reconcile(found, missing, summary);
    Object.assign(summary, this.repo.countFacesInFolders(folders.map((f) => f.id)), { seconds: (Date.now() - started) / 1000 });
    return summary;
  }

  private async reconcile(found: readonly FoundFile[], missing: IndexedPhoto[], summary: ScanSummary): Promise<void> {
    const jobs: IndexJob[] = [];
    for (const file of found) {
      const known = this.repo.photoByPath(file.facts.path);
      if (!known) jobs.push({ ...file, kind: 'new' });
      else if (known.size === file.facts.size && known.mtimeMs === Math.round(file.facts.mtimeMs)) summary.unchanged++;
      else jobs.push({ ...file, kind: 'changed', knownHash: known.errorCode === null ? (known.contentHash ?? undefined) : undefined });
    }
    const stillMissing = await this.recogniseMoves(jobs, missing, summary);
    await this.index(jobs.filter((j) => !j.movedFrom), summary);
    if (this.cancelled) return;
    for (const photo of stillMissing) {
      this.repo.removePhoto(photo.id);
      summary.removed++;
    }
  }

  /** New files whose content is a missing photo's are that photo, moved: it keeps its faces, nothing is re-detected. */
  private async recogniseMoves(jobs: IndexJob[], missing: IndexedPhoto[], summary: ScanSummary): Promise<IndexedPhoto[]> {
    const byHash = new Map(missing.filter((m) => m.contentHash).map((m) => [m.contentHash!, m]));
    const candidates = jobs.filter((j) => j.kind === 'new');
    if (byHash.size === 0 || candidates.length === 0) return missing;
    this.emit({ phase: 'listing', currentFile: null });
    const pool = this.getPool();
    await pool.ready();
    const outcomes = await Promise.all(candidates.map((job) => pool.run({ kind: 'hash', file: job.facts.path })));
    candidates.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (!outcome.ok) return;
      const result = outcome.result as HashResult;
      const original = byHash.get(result.contentHash);
      if (!original) return;
      byHash.delete(result.contentHash);
      this.repo.movePhoto(original.id, job.folderId, { path: job.facts.path, size: result.size, mtimeMs: result.mtimeMs });
      job.movedFrom = original.id;
      summary.moved++;
    });
    const movedIds = new Set(candidates.map((j) => j.movedFrom).filter((id) => id !== undefined));
    return missing.filter((m) => !movedIds.has(m.id));
  }

  private async index(jobs: readonly IndexJob[], summary: ScanSummary): Promise<void> {
    const total = jobs.length;
    this.emit({ phase: 'indexing', done: 0, total, errors: summary.errors.length, etaSeconds: null, photosPerSecond: 0 });
    if (total === 0) return;
    const pool = this.getPool();
    await pool.ready();
    const started = Date.now();
    let next = 0;
    let done = 0;
    let fatal: unknown;

    const handle = (job: IndexJob, outcome: Awaited<ReturnType<IndexWorkerPool['run']>>): void => {
      if (outcome.ok && outcome.result.kind === 'same-content') {
        this.repo.touchPhoto(this.repo.photoByPath(job.facts.path)!.id, { path: job.facts.path, ...outcome.result });
        summary.unchanged++;
        return;
      }
      if (outcome.ok) {
        this.repo.saveAnalysis(job.folderId, toRecord(job.facts, outcome.result as AnalyseResult));
        summary[job.kind]++;
        return;
      }
      const { code, message } = outcome.failure;
      const error: ScanError = { file: job.facts.path, error: message };
      summary.errors.push(error);
      if (code === 'not-found') {
        // Deleted between listing and reading: nothing to keep for a new file; a known one has left the library,
        // unless its folder went away with it (unplugged disk, renamed folder): that is not a deletion.
        const known = this.repo.photoByPath(job.facts.path);
        if (known && existsSync(path.dirname(job.facts.path))) {
          this.repo.removePhoto(known.id);
          summary.removed++;
        }
        return;
      }
      this.repo.saveError(job.folderId, job.facts, code, message);
      summary[job.kind]++;
    };

    const lane = async (): Promise<void> => {
      while (!this.cancelled && fatal === undefined && next < total) {
        if (this.paused) await new Promise<void>((wake) => this.resumeWaiters.push(wake));
        if (this.cancelled) return;
        const job = jobs[next++]!;
        this.emit({ currentFile: job.facts.path });
        const outcome = await pool.run({ kind: 'analyse', file: job.facts.path, unlessHash: job.knownHash });
        if (fatal !== undefined) return;
        try {
          handle(job, outcome);
        } catch (error) {
          fatal = error;
          return;
        }
        done++;
        const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
        this.emit({ done, photosPerSecond: rate, etaSeconds: (total - done) / rate, errors: summary.errors.length });
      }
    };
    // Enough lanes that each worker always has its next photo waiting: it never waits for the main thread.
    await Promise.all(Array.from({ length: pool.capacity }, lane));
    if (fatal !== undefined) throw fatal;
  }
}
