import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PersonSummary, ReviewItem } from '../../src-main/common/people';
import ReviewPage from '../../src-renderer/pages/ReviewPage.svelte';
import { APP_CONTEXT_KEY, AppState } from '../../src-renderer/lib/app.svelte';
import { reviewAction } from '../../src-renderer/lib/review-keys';
import { FakeApi } from './fake-api';

describe('review keys', () => {
  it('maps Y, N, S, digits and back, ignoring modified keys and typing', () => {
    expect(reviewAction({ key: 'y' }, 1)).toEqual({ kind: 'confirm' });
    expect(reviewAction({ key: 'Y' }, 1)).toEqual({ kind: 'confirm' });
    expect(reviewAction({ key: 'n' }, 1)).toEqual({ kind: 'reject' });
    expect(reviewAction({ key: 's' }, 1)).toEqual({ kind: 'skip' });
    expect(reviewAction({ key: 'ArrowLeft' }, 1)).toEqual({ kind: 'back' });
    expect(reviewAction({ key: '1' }, 1)).toEqual({ kind: 'runnerUp', index: 0 });
    expect(reviewAction({ key: '2' }, 1)).toBeNull(); // there is only one runner-up
    expect(reviewAction({ key: '1' }, 0)).toBeNull();
    expect(reviewAction({ key: 'y', ctrlKey: true }, 1)).toBeNull();
    expect(reviewAction({ key: 'y', metaKey: true }, 1)).toBeNull();
    const input = document.createElement('input');
    expect(reviewAction({ key: 'y', target: input }, 1)).toBeNull();
    expect(reviewAction({ key: 'x' }, 1)).toBeNull();
  });
});

const person = (id: number, name: string | null): PersonSummary => ({
  id,
  name,
  hidden: false,
  photoCount: 3,
  faceCount: 3,
  firstSeen: null,
  lastSeen: null,
  bestPhoto: null,
  avatarFaceId: id * 100,
});

const item = (faceId: number, confidence: number, runnerUp: ReviewItem['runnerUp'] = null): ReviewItem => ({
  faceId,
  file: `/photos/${faceId}.jpg`,
  box: [10, 10, 60, 70],
  personId: 1,
  personName: 'Ann',
  confidence,
  runnerUp,
});

describe('<ReviewPage> keyboard', () => {
  let queue: ReviewItem[];
  let api: FakeApi;

  beforeEach(() => {
    queue = [item(11, 0.41, { personId: 2, personName: 'Bea', confidence: 0.38 }), item(12, 0.55), item(13, 0.7)];
    const answer = (faceId: number): void => {
      queue = queue.filter((i) => i.faceId !== faceId);
    };
    api = new FakeApi({
      'review.queue': () => queue,
      'people.list': () => [person(1, 'Ann'), person(2, 'Bea')],
      'photos.find': (r) => ({ id: 7, path: (r as { path: string }).path, width: 100, height: 100, capturedAt: null, captureSource: null, faceCount: 1 }),
      'faces.confirm': (r) => (answer((r as { faceId: number }).faceId), { personId: 1 }),
      'faces.reject': (r) => (answer((r as { faceId: number }).faceId), { rejected: true }),
      'faces.move': (r) => (answer((r as { faceId: number }).faceId), { moved: true }),
      'faces.confirmMany': (r) => ({ confirmed: (r as { faceIds: number[] }).faceIds.length }),
    });
  });

  const mount = () => render(ReviewPage, { context: new Map([[APP_CONTEXT_KEY, new AppState(api)]]) });

  const current = (c: HTMLElement): string | null | undefined => c.querySelector('[data-testid=review-item]')?.getAttribute('data-face-id');

  it('shows the most doubtful face first, with the candidate and the runner-up', async () => {
    const { container, getByText } = mount();
    await waitFor(() => expect(current(container)).toBe('11'));
    expect(getByText('Ann', { selector: 'figcaption' })).toBeTruthy();
    expect(getByText('Bea')).toBeTruthy();
    expect(getByText('3 faces waiting, most doubtful first')).toBeTruthy();
  });

  it('Y confirms the suggestion and moves on', async () => {
    const { container } = mount();
    await waitFor(() => expect(current(container)).toBe('11'));
    await fireEvent.keyDown(window, { key: 'y' });
    await waitFor(() => expect(current(container)).toBe('12'));
    expect(api.callsOf('faces.confirm')).toEqual([{ faceId: 11, target: { personId: 1 } }]);
  });

  it('N rejects it for that person', async () => {
    const { container } = mount();
    await waitFor(() => expect(current(container)).toBe('11'));
    await fireEvent.keyDown(window, { key: 'n' });
    await waitFor(() => expect(current(container)).toBe('12'));
    expect(api.callsOf('faces.reject')).toEqual([{ faceId: 11, personId: 1 }]);
  });

  it('1 gives the face to the runner-up', async () => {
    const { container } = mount();
    await waitFor(() => expect(current(container)).toBe('11'));
    await fireEvent.keyDown(window, { key: '1' });
    await waitFor(() => expect(current(container)).toBe('12'));
    expect(api.callsOf('faces.move')).toEqual([{ faceId: 11, personId: 2 }]);
  });

  it('S skips without asking the core, ← comes back, and the skipped ones can be gone through again', async () => {
    const { container, getByText } = mount();
    await waitFor(() => expect(current(container)).toBe('11'));
    await fireEvent.keyDown(window, { key: 's' });
    expect(current(container)).toBe('12');
    await fireEvent.keyDown(window, { key: 'ArrowLeft' });
    expect(current(container)).toBe('11');
    for (const _ of [1, 2, 3]) await fireEvent.keyDown(window, { key: 's' });
    expect(current(container)).toBeUndefined();
    await fireEvent.click(getByText('Go through the skipped ones'));
    expect(current(container)).toBe('11');
    expect(api.calls.filter((c) => c.method.startsWith('faces.'))).toEqual([]);
  });

  it('ignores the keys while typing and with modifiers', async () => {
    const { container } = mount();
    await waitFor(() => expect(current(container)).toBe('11'));
    await fireEvent.keyDown(window, { key: 'y', ctrlKey: true });
    const input = document.body.appendChild(document.createElement('input'));
    await fireEvent.keyDown(input, { key: 'y' });
    expect(api.callsOf('faces.confirm')).toEqual([]);
    input.remove();
  });

  it('batch mode confirms the ticked faces at once', async () => {
    const { container, getByRole, getByText } = mount();
    await waitFor(() => expect(current(container)).toBe('11'));
    await fireEvent.click(getByRole('tab', { name: 'Batch' }));
    await fireEvent.click(getByText('Select all'));
    await fireEvent.click(getByRole('button', { name: 'Confirm 3 selected' }));
    await waitFor(() => expect(api.callsOf('faces.confirmMany')).toEqual([{ faceIds: [11, 12, 13] }]));
    // Keys do nothing in batch mode.
    await fireEvent.keyDown(window, { key: 'y' });
    expect(api.callsOf('faces.confirm')).toEqual([]);
  });
});
