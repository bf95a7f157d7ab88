import type { CaptureSource, ScanProgress } from '../../src-main/common/library';
import { ApiCallError } from './api-client';

/** "3 s", "4 min 10 s", "1 h 05 min": a duration a person reads at a glance. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Time left, or what we know instead. */
export function formatEta(progress: Pick<ScanProgress, 'etaSeconds' | 'paused' | 'phase'>): string {
  if (progress.paused) return 'paused';
  if (progress.phase === 'listing') return 'looking for photos…';
  if (progress.phase === 'done') return 'done';
  if (progress.etaSeconds === null) return 'estimating time left…';
  if (progress.etaSeconds < 1) return 'almost done';
  return `about ${formatDuration(progress.etaSeconds)} left`;
}

export function formatRate(photosPerSecond: number): string {
  if (!Number.isFinite(photosPerSecond) || photosPerSecond <= 0) return '— photos/s';
  const digits = photosPerSecond < 10 ? 1 : 0;
  return `${photosPerSecond.toFixed(digits)} photos/s`;
}

/** 0..100, safe when the total is still unknown. */
export function progressPercent(done: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.min(100, Math.max(0, (done / total) * 100));
}

export function formatCount(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** The last part of a path (either separator). */
export function baseName(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] || file;
}

/**
 * A capture time as stored (ISO, maybe with an offset) shown as the photo's own local date and time: the offset is
 * dropped rather than converted, so a photo taken at 17:45 in California reads 17:45 everywhere.
 */
export function formatCaptureDate(iso: string | null, withTime = false): string {
  if (!iso) return 'date unknown';
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(iso);
  if (!m) return iso;
  const [, y, mo, d, hh, mm] = m;
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const date = `${Number(d)} ${months[Number(mo) - 1] ?? mo} ${y}`;
  return withTime && hh !== undefined ? `${date}, ${hh}:${mm}` : date;
}

export function captureSourceLabel(source: CaptureSource | null): string {
  switch (source) {
    case 'DateTimeOriginal':
      return 'date taken (EXIF)';
    case 'CreateDate':
      return 'date digitised (EXIF)';
    case 'FileModifyDate':
      return 'file date (no EXIF date)';
    default:
      return 'unknown source';
  }
}

/** A confidence as a percentage; the ends say "over 99%" and "under 1%" rather than round to a certainty. */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  if (fraction > 0.99 && fraction < 1) return 'over 99%';
  if (fraction > 0 && fraction < 0.01) return 'under 1%';
  return `${Math.round(fraction * 100)}%`;
}

/** A failure in words a user understands. */
export function describeError(error: unknown): string {
  if (error instanceof ApiCallError) {
    if (error.code === 'unauthorized') {
      return 'This window is no longer connected to Facetag. Open it again with the link Facetag printed.';
    }
    if (error.code === 'internal' && !/^Something went wrong|^Facetag/.test(error.message)) {
      return `Something went wrong: ${sentence(error.message)}`;
    }
    return sentence(error.message);
  }
  if (error instanceof TypeError) return 'Facetag is not answering. Is it still running?';
  if (error instanceof Error) return `Something went wrong: ${sentence(error.message)}`;
  return 'Something went wrong.';
}

/** Capital first letter, full stop at the end. */
export function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const first = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?…)]$/.test(first) ? first : `${first}.`;
}

/** The journal's description of an undone operation ("confirm face 12"), in words for people. */
export function describeUndone(undone: string | null): string {
  if (!undone) return 'Nothing to undo.';
  const rules: [RegExp, (m: RegExpExecArray) => string][] = [
    [/^name person \d+ "(.*)"$/, (m) => `naming “${m[1]}”`],
    [/^confirm (\d+) suggestion\(s\)$/, (m) => `confirming ${m[1] === '1' ? 'a face' : `${m[1]} faces`}`],
    [/^confirm face \d+$/, () => 'confirming a face'],
    [/^reject face \d+ for person \d+$/, () => '“not this person”'],
    [/^move face \d+ to person \d+$/, () => 'moving a face'],
    [/^merge person \d+ into \d+$/, () => 'the merge'],
    [/^split person \d+$/, () => 'the split'],
    [/^hide person \d+$/, () => 'hiding a person'],
    [/^show person \d+$/, () => 'showing a person'],
    [/^set cover of person \d+$/, () => 'the cover change'],
    [/^mark face \d+ as not a face$/, () => '“not a face”'],
    [/^add a face to (.*)$/, (m) => `adding a face to ${baseName(m[1]!)}`],
  ];
  for (const [pattern, words] of rules) {
    const m = pattern.exec(undone);
    if (m) return `Undid ${words(m)}.`;
  }
  return `Undid: ${undone}.`;
}

/** How the last scan ended, as a heading. */
export function scanOutcome(outcome: string): string {
  switch (outcome) {
    case 'completed':
      return 'Last scan finished';
    case 'cancelled':
      return 'Last scan was cancelled';
    case 'failed':
      return 'Last scan failed';
    case 'interrupted':
      return 'Last scan was interrupted (Facetag was closed)';
    case 'running':
      return 'A scan is running';
    default:
      return `Last scan: ${outcome}`;
  }
}

/** Why a photo could not be read, without repeating its path (the list shows the file beside it). */
export function scanErrorReason(file: string, error: string): string {
  let reason = error.trim();
  for (const prefix of [`Cannot open "${file}": `, `${file}: `]) {
    if (reason.startsWith(prefix)) reason = reason.slice(prefix.length);
  }
  return sentence(reason.split(file).join(baseName(file)));
}
