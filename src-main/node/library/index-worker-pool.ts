import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../util/package-root.js';
import type { PipelineOptions } from '../vision/face-pipeline.js';
import type { IndexTask, TaskFailure, TaskResult, WorkerRequest, WorkerResponse, WorkerSetup } from './index-protocol.js';

export type TaskOutcome = { readonly ok: true; readonly result: TaskResult } | { readonly ok: false; readonly failure: TaskFailure };

/**
 * The compiled worker script. Under the TypeScript test runner this module is the .ts source; worker threads need
 * JavaScript, so they always run the build in dist/ (`npm test` builds first).
 */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return path.join(path.dirname(here), 'index.worker.js');
  const built = path.join(packageRoot(), 'dist', 'src-main', 'node', 'library', 'index.worker.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first`);
  return built;
}

/**
 * Two workers with one onnxruntime thread each beat one worker with two threads on a 2-core machine
 * (PERFORMANCE.md); so: one worker per core, one thread per worker.
 */
export function defaultPoolSize(): number {
  return Math.max(1, Math.min(os.availableParallelism(), 8));
}

interface Pending {
  readonly task: IndexTask;
  readonly resolve: (outcome: TaskOutcome) => void;
  readonly reject: (error: Error) => void;
  /** It was in a worker that crashed while holding other photos too: it runs again alone, and fails if it crashes again. */
  suspect?: boolean;
}

interface Slot {
  worker: Worker | undefined;
  ready: boolean;
  /** Tasks posted to the worker, oldest first; it works on all of them at once (at most TASKS_PER_WORKER). */
  inFlight: { id: number; pending: Pending }[];
}

/**
 * Photos each worker analyses at once: one's file reading and decoding (on libvips' threads) overlaps the other's
 * inference (on the worker's own thread), so that the core does not wait for the decoder, and the next photo is
 * already in the worker when one is done, without a round trip through the main thread.
 */
export const TASKS_PER_WORKER = 2;

/**
 * Room for old objects a worker's V8 heap starts with. With V8's small default, each worker ran a full mark-compact
 * every three photos (a photo passes some 10 MB of pixels and tensors through it): 27 of them over the 92 bench
 * photos, and 7 % more CPU per photo than with this (4). V8 reads the flag when it creates a worker's isolate.
 */
export const WORKER_INITIAL_OLD_SPACE_MB = 64;

/** Index workers, each with its own face pipeline; tasks queue until a worker is free. */
export class IndexWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private startupError: Error | undefined;
  private closed = false;
  private readonly readyPromise: Promise<void>;
  private readonly setup: WorkerSetup;
  private readonly script = workerScript();
  private readonly vipsThreads: number;

  constructor(pipeline: PipelineOptions = {}, size = defaultPoolSize()) {
    // Each worker gets its share of the cores for onnxruntime's intra-op threads and for libvips: 1 each on machines
    // with up to 8 cores (one worker per core), more where the pool is capped below the core count.
    const share = Math.max(1, Math.floor(os.availableParallelism() / Math.max(1, size)));
    this.setup = { pipeline: { ...pipeline, session: { intraOpThreads: share, ...pipeline.session } } };
    v8.setFlagsFromString(`--initial-old-space-size=${WORKER_INITIAL_OLD_SPACE_MB}`);
    this.vipsThreads = share;
    const readiness = Array.from({ length: size }, () => {
      const slot: Slot = { worker: undefined, ready: false, inFlight: [] };
      this.slots.push(slot);
      return this.start(slot);
    });
    this.readyPromise = Promise.all(readiness).then(
      () => undefined,
      (error: Error) => {
        this.startupError = error;
        for (const pending of this.queue.splice(0)) pending.reject(error);
        throw error;
      },
    );
    this.readyPromise.catch(() => undefined);
  }

  /**
   * Starts a worker in `slot`. A worker that dies while analysing a photo (a native crash on a hostile file) fails
   * that photo alone: the photo gets an error and a new worker takes the slot.
   */
  private start(slot: Slot): Promise<void> {
    const worker = new Worker(this.script, { workerData: { ...this.setup, vipsThreads: this.vipsThreads } });
    slot.worker = worker;
    slot.ready = false;
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: WorkerResponse) => {
        if (message.type === 'ready') {
          slot.ready = true;
          resolve();
          this.dispatch();
        } else if (message.type === 'startup-failed') {
          reject(new Error(message.message));
        } else {
          this.settle(slot, message.id, message.type === 'done' ? { ok: true, result: message.result } : { ok: false, failure: message.failure });
        }
      });
      const lost = (why: string): void => {
        if (this.closed || slot.worker !== worker) return;
        slot.worker = undefined;
        if (!slot.ready) {
          reject(new Error(`an index worker could not start (${why})`));
          return;
        }
        slot.ready = false;
        // A photo alone in the worker (or already suspected) is what crashed it; of several, any may have: those go
        // back to the front of the queue to run again, each alone.
        const held = slot.inFlight.splice(0).map((t) => t.pending);
        const again: Pending[] = [];
        for (const pending of held) {
          if (held.length > 1 && !pending.suspect) {
            pending.suspect = true;
            again.push(pending);
          } else {
            pending.resolve({ ok: false, failure: { code: 'internal', message: `${pending.task.file}: the analysis crashed on this photo (${why})` } });
          }
        }
        this.queue.unshift(...again);
        this.start(slot).catch((error: Error) => {
          if (this.slots.every((s) => !s.ready)) for (const pending of this.queue.splice(0)) pending.reject(error);
        });
      };
      worker.on('error', (error) => lost(error.message));
      worker.on('exit', (code) => lost(`exit code ${code}`));
    });
  }

  get size(): number {
    return this.slots.length;
  }

  /** Tasks to keep submitted so that every worker has its next one waiting: what they hold plus one each queued. */
  get capacity(): number {
    return this.slots.length * (TASKS_PER_WORKER + 1);
  }

  /** Resolves when every worker has loaded its models; rejects with the reason one could not. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  run(task: IndexTask): Promise<TaskOutcome> {
    if (this.startupError) return Promise.reject(this.startupError);
    if (this.closed) return Promise.reject(new Error('the index worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Hands queued tasks to ready workers, the least loaded first, up to TASKS_PER_WORKER each. A second task goes to a
   * busy worker only while the queue holds one for every worker: the last tasks of a batch go to whichever worker is
   * free first. A suspect task runs alone.
   */
  private dispatch(): void {
    const ready = this.slots.filter((s) => s.ready);
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      let slot: Slot | undefined;
      for (const s of ready) {
        if (s.inFlight.some((t) => t.pending.suspect)) continue;
        if (!slot || s.inFlight.length < slot.inFlight.length) slot = s;
      }
      if (!slot || slot.inFlight.length >= TASKS_PER_WORKER) return;
      if (slot.inFlight.length > 0 && (next.suspect || this.queue.length < ready.length)) return;
      const pending = this.queue.shift()!;
      const id = this.nextId++;
      slot.inFlight.push({ id, pending });
      slot.worker!.postMessage({ id, task: pending.task } satisfies WorkerRequest);
    }
  }

  private settle(slot: Slot, id: number, outcome: TaskOutcome): void {
    const i = slot.inFlight.findIndex((t) => t.id === id);
    if (i < 0) return;
    const [task] = slot.inFlight.splice(i, 1);
    task!.pending.resolve(outcome);
    this.dispatch();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('the index worker pool was closed'));
    await Promise.all(this.slots.map((s) => s.worker?.terminate()));
  }
}
