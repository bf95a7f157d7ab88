import type { PhotoSummary } from '../../src-main/common/api/contract';
import type { PersonSummary, ReviewItem } from '../../src-main/common/people';
import type { AppState } from './app.svelte';
import type { ReviewAction } from './review-keys';

export const QUEUE_LIMIT = 500;

/**
 * The review queue, one face at a time: the doubtful ones first (the core's order), skipped ones set aside until
 * the user starts over. Every answer is one undoable change in the core.
 */
export class ReviewSession {
  items = $state.raw<ReviewItem[]>([]);
  loaded = $state(false);
  /** Faces skipped in this session. */
  skipped = $state.raw<number[]>([]);
  /** Faces answered but maybe still in the last queue we loaded (hidden at once, not after the reload). */
  private answered = new Set<number>();
  answeredVersion = $state(0);
  people = $state.raw<Map<number, PersonSummary>>(new Map());
  photo = $state.raw<PhotoSummary | null>(null);
  busy = $state(false);
  /** A short line about the last answer ("Confirmed as Ann"). */
  last = $state<string | null>(null);

  constructor(private readonly app: AppState) {}

  /** Waiting faces, skipped ones excluded. */
  pending = $derived.by(() => {
    void this.answeredVersion;
    const skipped = new Set(this.skipped);
    return this.items.filter((i) => !skipped.has(i.faceId) && !this.answered.has(i.faceId));
  });
  current = $derived<ReviewItem | null>(this.pending[0] ?? null);

  async reload(): Promise<void> {
    const api = this.app.api;
    const [queue, people] = await Promise.all([
      this.app.load(() => api.call('review.queue', { limit: QUEUE_LIMIT })),
      this.app.load(() => api.call('people.list', { includeHidden: true })),
    ]);
    if (queue) {
      this.answered = new Set([...this.answered].filter((id) => queue.some((i) => i.faceId === id)));
      this.items = queue;
    }
    if (people) this.people = new Map(people.map((p) => [p.id, p]));
    this.loaded = true;
  }

  /** The photo of the current face (for its context). */
  async loadPhoto(item: ReviewItem | null): Promise<void> {
    if (!item) {
      this.photo = null;
      return;
    }
    if (this.photo?.path === item.file) return;
    try {
      const photo = await this.app.api.call('photos.find', { path: item.file });
      if (this.current?.faceId === item.faceId) this.photo = photo;
    } catch {
      this.photo = null;
    }
  }

  runnerUps(item: ReviewItem): { personId: number; personName: string | null; confidence: number; person: PersonSummary | undefined }[] {
    return item.runnerUp ? [{ ...item.runnerUp, person: this.people.get(item.runnerUp.personId) }] : [];
  }

  async perform(action: ReviewAction): Promise<void> {
    const item = this.current;
    if (action.kind === 'back') {
      this.skipped = this.skipped.slice(0, -1);
      return;
    }
    if (!item || this.busy) return;
    if (action.kind === 'skip') {
      this.skipped = [...this.skipped, item.faceId];
      this.last = null;
      return;
    }
    const api = this.app.api;
    const name = item.personName ?? 'this person';
    this.busy = true;
    let done: unknown;
    if (action.kind === 'confirm') {
      done = await this.app.act(() => api.call('faces.confirm', { faceId: item.faceId, target: { personId: item.personId } }));
      this.last = `Confirmed as ${name}.`;
    } else if (action.kind === 'reject') {
      done = await this.app.act(() => api.call('faces.reject', { faceId: item.faceId, personId: item.personId }));
      this.last = `Not ${name}: it will not be suggested for them again.`;
    } else {
      const runner = this.runnerUps(item)[action.index];
      if (runner) {
        done = await this.app.act(() => api.call('faces.move', { faceId: item.faceId, personId: runner.personId }));
        this.last = `Moved to ${runner.personName ?? 'the unnamed group'}.`;
      }
    }
    if (done !== undefined) {
      this.answered.add(item.faceId);
      this.answeredVersion++;
    } else this.last = null;
    this.busy = false;
  }

  startOver(): void {
    this.skipped = [];
    this.last = null;
  }

  async confirmMany(faceIds: number[]): Promise<number> {
    if (faceIds.length === 0) return 0;
    const result = await this.app.act(
      () => this.app.api.call('faces.confirmMany', { faceIds }),
      (r) => `Confirmed ${r.confirmed} ${r.confirmed === 1 ? 'face' : 'faces'}.`,
    );
    if (result) {
      for (const id of faceIds) this.answered.add(id);
      this.answeredVersion++;
    }
    return result?.confirmed ?? 0;
  }
}
