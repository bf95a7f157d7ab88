import { afterAll, describe, expect, it } from 'vitest';
import { IndexWorkerPool, TASKS_PER_WORKER } from '../../src-main/node/library/index-worker-pool.js';
import { SHARED_PHOTOS } from '../support/detection-labels.js';

const PHOTOS = ['deepface_img1.jpg', 'deepface_img2.jpg', 'deepface_img4.jpg'].map((p) => `${SHARED_PHOTOS}/identity/angelina_jolie/${p}`);

/** The pool's workers, as a native crash on a hostile photo would end them: from outside, mid-task. */
interface PoolInside {
  slots: { worker: { terminate(): Promise<number> } | undefined; ready: boolean; inFlight: { pending: { task: { file: string } } }[] }[];
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((wake) => setTimeout(wake, 10));
  if (!condition()) throw new Error('timed out');
}

describe('index worker pool', () => {
  const pool = new IndexWorkerPool({}, 1);
  const inside = pool as unknown as PoolInside;
  afterAll(() => pool.close());

  it('hands each worker several tasks at once and answers each of them', async () => {
    await pool.ready();
    expect(pool.capacity).toBe(TASKS_PER_WORKER + 1);
    const outcomes = await Promise.all(PHOTOS.map((file) => pool.run({ kind: 'hash', file })));
    expect(outcomes.map((o) => o.ok && o.result.kind)).toEqual(['hash', 'hash', 'hash']);
    expect(new Set(outcomes.map((o) => o.ok && o.result.kind === 'hash' && o.result.contentHash)).size).toBe(3);
  });

  it('when a worker dies holding several photos, runs each again alone; one that kills a worker alone fails alone', async () => {
    const outcomes = PHOTOS.map((file) => pool.run({ kind: 'analyse', file }));
    const slot = inside.slots[0]!;
    expect(slot.inFlight.map((t) => t.pending.task.file)).toEqual(PHOTOS.slice(0, 2));
    await slot.worker!.terminate();
    // The replacement worker takes the first suspect alone; it dies again: that photo is the culprit.
    await until(() => slot.ready && slot.inFlight.length === 1);
    expect(slot.inFlight[0]!.pending.task.file).toBe(PHOTOS[0]);
    await slot.worker!.terminate();
    const [culprit, ...rest] = await Promise.all(outcomes);
    expect(culprit).toMatchObject({ ok: false, failure: { code: 'internal', message: expect.stringMatching(/deepface_img1\.jpg: the analysis crashed/) } });
    for (const outcome of rest) expect(outcome.ok && outcome.result.kind).toBe('analyse');
  });
});
