import { afterAll, describe, expect, it } from 'vitest';
import { IndexWorkerPool, TASKS_PER_WORKER } from '../../src-main/node/library/index-worker-pool.js';
import { SHARED_PHOTOS } from '../support/detection-labels.js';

const PHOTOS = ['deepface_img1.jpg', 'deepface_img2.jpg', 'deepface_img4.jpg'].map((p) => `${SHARED_PHOTOS}/identity/angelina_jolie/${p}`);

describe('index worker pool', () => {
  const pool = new IndexWorkerPool({}, 1);
  afterAll(() => pool.close());

  it('hands each worker several tasks at once and answers each of them', async () => {
    await pool.ready();
    expect(pool.capacity).toBe(TASKS_PER_WORKER + 1);
    const outcomes = await Promise.all(PHOTOS.map((file) => pool.run({ kind: 'hash', file })));
    expect(outcomes.map((o) => o.ok && o.result.kind)).toEqual(['hash', 'hash', 'hash']);
    expect(new Set(outcomes.map((o) => o.ok && o.result.kind === 'hash' && o.result.contentHash)).size).toBe(3);
  });

  it('when a worker dies, fails only the photo it was on and gives its waiting photos to the next worker', async () => {
    const outcomes = PHOTOS.map((file) => pool.run({ kind: 'analyse', file }));
    // The worker holds the first two photos; it is killed as a native crash would end it.
    const slots = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots;
    await slots[0]!.worker.terminate();
    const [crashed, ...rest] = await Promise.all(outcomes);
    expect(crashed).toMatchObject({ ok: false, failure: { code: 'internal', message: expect.stringMatching(/deepface_img1\.jpg: the analysis crashed/) } });
    for (const outcome of rest) expect(outcome.ok && outcome.result.kind).toBe('analyse');
  });
});
