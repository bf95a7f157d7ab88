import { fireEvent, render } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { ScanProgress as Progress } from '../../src-main/common/library';
import type { PersonSummary } from '../../src-main/common/people';
import NamePicker from '../../src-renderer/components/NamePicker.svelte';
import ScanProgress from '../../src-renderer/components/ScanProgress.svelte';

const progress = (change: Partial<Progress> = {}): Progress => ({
  phase: 'indexing',
  done: 120,
  total: 480,
  photosPerSecond: 4.04,
  etaSeconds: 89,
  currentFile: '/home/me/Pictures/2019/beach.jpg',
  errors: 0,
  paused: false,
  ...change,
});

describe('<ScanProgress>', () => {
  it('shows done / total, the bar, the rate, the time left and the current file', () => {
    const { getByText, getByRole } = render(ScanProgress, { props: { progress: progress(), onpause: vi.fn(), onresume: vi.fn(), oncancel: vi.fn() } });
    expect(getByText('120 of 480 photos')).toBeTruthy();
    expect(getByRole('progressbar').getAttribute('aria-valuenow')).toBe('25');
    expect(getByText('4.0 photos/s')).toBeTruthy();
    expect(getByText('about 1 min 29 s left')).toBeTruthy();
    expect(getByText('beach.jpg')).toBeTruthy();
  });

  it('pauses, resumes and cancels', async () => {
    const onpause = vi.fn();
    const onresume = vi.fn();
    const oncancel = vi.fn();
    const { getByRole, rerender, getByText } = render(ScanProgress, { props: { progress: progress(), onpause, onresume, oncancel } });
    await fireEvent.click(getByRole('button', { name: 'Pause' }));
    expect(onpause).toHaveBeenCalledOnce();
    await rerender({ progress: progress({ paused: true, errors: 2 }), onpause, onresume, oncancel });
    expect(getByText('Scan paused')).toBeTruthy();
    expect(getByText('2 could not be read')).toBeTruthy();
    await fireEvent.click(getByRole('button', { name: 'Resume' }));
    expect(onresume).toHaveBeenCalledOnce();
    await fireEvent.click(getByRole('button', { name: 'Cancel' }));
    expect(oncancel).toHaveBeenCalledOnce();
  });

  it('says it is looking for photos before the total is known', () => {
    const { getAllByText } = render(ScanProgress, { props: { progress: null, onpause: vi.fn(), onresume: vi.fn(), oncancel: vi.fn() } });
    expect(getAllByText(/Looking for photos/i).length).toBeGreaterThan(0);
  });
});

describe('<NamePicker>', () => {
  const people: PersonSummary[] = [
    { id: 1, name: 'Ann Lee', hidden: false, photoCount: 1, faceCount: 1, firstSeen: null, lastSeen: null, bestPhoto: null, avatarFaceId: null },
    { id: 2, name: 'Joanna', hidden: false, photoCount: 1, faceCount: 1, firstSeen: null, lastSeen: null, bestPhoto: null, avatarFaceId: null },
    { id: 3, name: null, hidden: false, photoCount: 1, faceCount: 1, firstSeen: null, lastSeen: null, bestPhoto: null, avatarFaceId: null },
  ];

  it('suggests named people as you type, starts-with first', async () => {
    const { getByLabelText, getAllByRole } = render(NamePicker, { props: { people, onpick: vi.fn() } });
    await fireEvent.input(getByLabelText('Name'), { target: { value: 'an' } });
    expect(getAllByRole('option').map((o) => o.querySelector('button > span')?.textContent)).toEqual(['Ann Lee', 'Joanna']);
  });

  it('takes an exact name as that person, and a new name as a new person', async () => {
    const onpick = vi.fn();
    const { getByLabelText, getByRole } = render(NamePicker, { props: { people, onpick } });
    const input = getByLabelText('Name');
    await fireEvent.input(input, { target: { value: 'ann lee' } });
    await fireEvent.click(getByRole('button', { name: 'Save' }));
    expect(onpick).toHaveBeenLastCalledWith({ personId: 1, label: 'Ann Lee' });
    await fireEvent.input(input, { target: { value: 'Cara' } });
    await fireEvent.click(getByRole('button', { name: 'Save' }));
    expect(onpick).toHaveBeenLastCalledWith({ name: 'Cara', label: 'Cara' });
  });

  it('takes the suggestion chosen with the arrow keys', async () => {
    const onpick = vi.fn();
    const { getByLabelText, getByRole } = render(NamePicker, { props: { people, onpick } });
    const input = getByLabelText('Name');
    await fireEvent.input(input, { target: { value: 'an' } });
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    await fireEvent.submit(getByRole('button', { name: 'Save' }).closest('form')!);
    expect(onpick).toHaveBeenLastCalledWith({ personId: 2, label: 'Joanna' });
  });
});
