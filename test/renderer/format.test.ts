import { describe, expect, it } from 'vitest';
import { ApiCallError } from '../../src-renderer/lib/api-client';
import {
  baseName,
  captureSourceLabel,
  describeError,
  describeUndone,
  formatCaptureDate,
  formatDuration,
  formatEta,
  formatPercent,
  formatRate,
  progressPercent,
  scanErrorReason,
  scanOutcome,
} from '../../src-renderer/lib/format';
import { parseHash } from '../../src-renderer/lib/router.svelte';

describe('progress and ETA formatting', () => {
  it('writes durations a person reads at a glance', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(60)).toBe('1 min');
    expect(formatDuration(250)).toBe('4 min 10 s');
    expect(formatDuration(3600 + 5 * 60 + 9)).toBe('1 h 05 min');
    expect(formatDuration(Number.NaN)).toBe('—');
    expect(formatDuration(-3)).toBe('—');
  });

  it('says what is known about the time left', () => {
    const base = { phase: 'indexing' as const, paused: false };
    expect(formatEta({ ...base, etaSeconds: null })).toBe('estimating time left…');
    expect(formatEta({ ...base, etaSeconds: 95 })).toBe('about 1 min 35 s left');
    expect(formatEta({ ...base, etaSeconds: 0.4 })).toBe('almost done');
    expect(formatEta({ ...base, etaSeconds: 95, paused: true })).toBe('paused');
    expect(formatEta({ phase: 'listing', paused: false, etaSeconds: null })).toBe('looking for photos…');
    expect(formatEta({ phase: 'done', paused: false, etaSeconds: 0 })).toBe('done');
  });

  it('writes the rate with one decimal below 10 photos/s', () => {
    expect(formatRate(3.14159)).toBe('3.1 photos/s');
    expect(formatRate(12.7)).toBe('13 photos/s');
    expect(formatRate(0)).toBe('— photos/s');
  });

  it('writes confidences without rounding a doubt away', () => {
    expect(formatPercent(0.8)).toBe('80%');
    expect(formatPercent(0.9995)).toBe('over 99%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0.00006)).toBe('under 1%');
    expect(formatPercent(null)).toBe('—');
  });

  it('computes a percentage that never leaves 0..100, even before the total is known', () => {
    expect(progressPercent(0, 0)).toBe(0);
    expect(progressPercent(5, 20)).toBe(25);
    expect(progressPercent(30, 20)).toBe(100);
  });
});

describe('dates and sources', () => {
  it("shows a capture time in the photo's own local time, whatever its offset", () => {
    expect(formatCaptureDate('2019-07-20T17:45:22-07:00')).toBe('20 Jul 2019');
    expect(formatCaptureDate('2019-07-20T17:45:22-07:00', true)).toBe('20 Jul 2019, 17:45');
    expect(formatCaptureDate('2012-01-29T19:20:23')).toBe('29 Jan 2012');
    expect(formatCaptureDate(null)).toBe('date unknown');
  });

  it('names where a date came from', () => {
    expect(captureSourceLabel('DateTimeOriginal')).toBe('date taken (EXIF)');
    expect(captureSourceLabel('FileModifyDate')).toBe('file date (no EXIF date)');
  });

  it('takes the last part of a path, either separator', () => {
    expect(baseName('/a/b/c.jpg')).toBe('c.jpg');
    expect(baseName('C:\\Photos\\d.jpg')).toBe('d.jpg');
  });
});

describe('errors and undo in words', () => {
  it('turns API errors into sentences', () => {
    expect(describeError(new ApiCallError('not-found', 'there is no person 3'))).toBe('There is no person 3.');
    expect(describeError(new ApiCallError('unauthorized', 'x'))).toMatch(/no longer connected/);
    expect(describeError(new TypeError('Failed to fetch'))).toBe('Facetag is not answering. Is it still running?');
    expect(describeError(new Error('disk full'))).toBe('Something went wrong: Disk full.');
  });

  it("describes what was undone from the journal's words", () => {
    expect(describeUndone(null)).toBe('Nothing to undo.');
    expect(describeUndone('name person 3 "Ann Lee"')).toBe('Undid naming “Ann Lee”.');
    expect(describeUndone('confirm face 12')).toBe('Undid confirming a face.');
    expect(describeUndone('confirm 4 suggestion(s)')).toBe('Undid confirming 4 faces.');
    expect(describeUndone('merge person 4 into 2')).toBe('Undid the merge.');
    expect(describeUndone('add a face to /p/x.jpg')).toBe('Undid adding a face to x.jpg.');
    expect(describeUndone('something new')).toBe('Undid: something new.');
  });

  it('says why a photo could not be read without repeating its path', () => {
    const file = '/home/me/Pictures/cut.jpg';
    expect(scanErrorReason(file, `Cannot open "${file}": the JPEG file is incomplete, its data ends early`)).toBe(
      'The JPEG file is incomplete, its data ends early.',
    );
    expect(scanErrorReason(file, `unsupported format in ${file}`)).toBe('Unsupported format in cut.jpg.');
  });

  it('heads the last scan by its outcome', () => {
    expect(scanOutcome('completed')).toBe('Last scan finished');
    expect(scanOutcome('cancelled')).toBe('Last scan was cancelled');
  });
});

describe('hash routes', () => {
  it('parses every screen, and refuses what is not one', () => {
    expect(parseHash('')).toEqual({ name: 'library' });
    expect(parseHash('#/people')).toEqual({ name: 'people' });
    expect(parseHash('#/people/12')).toEqual({ name: 'person', id: 12 });
    expect(parseHash('#/photos/7/')).toEqual({ name: 'photo', id: 7 });
    expect(parseHash('#/review')).toEqual({ name: 'review' });
    expect(parseHash('#/settings')).toEqual({ name: 'settings' });
    expect(parseHash('#/people/abc')).toEqual({ name: 'not-found', path: '/people/abc' });
    expect(parseHash('#/photos/0')).toEqual({ name: 'not-found', path: '/photos/0' });
  });
});
