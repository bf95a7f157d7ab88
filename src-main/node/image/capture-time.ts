import exifReader from 'exif-reader';
import type { CaptureTime } from '../../common/library.js';

const OFFSET = /^[+-]\d{2}:\d{2}$/;

/**
 * exif-reader reads EXIF's zone-less "YYYY:MM:DD hh:mm:ss" as if it were UTC; its UTC fields are therefore the
 * wall-clock time the camera recorded.
 */
function wallClock(date: Date): string {
  return date.toISOString().slice(0, 19);
}

function withOffset(date: Date, offset: unknown): string {
  return typeof offset === 'string' && OFFSET.test(offset.trim()) ? `${wallClock(date)}${offset.trim()}` : wallClock(date);
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime()) && value.getUTCFullYear() > 1800;
}

/** Local wall-clock time of a file's mtime, with this machine's offset (what a file browser shows). */
function fileTime(mtimeMs: number): string {
  const date = new Date(mtimeMs);
  const offsetMinutes = -date.getTimezoneOffset();
  const local = new Date(mtimeMs + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * When the photo was taken: EXIF DateTimeOriginal (with OffsetTimeOriginal when present), else CreateDate
 * (DateTimeDigitized), else the file's modification time; `source` says which.
 */
export function captureTimeOf(exif: Buffer | undefined, mtimeMs: number): CaptureTime {
  if (exif && exif.length > 0) {
    try {
      const tags = exifReader(exif);
      const photo = tags.Photo ?? {};
      if (isValidDate(photo.DateTimeOriginal)) {
        return { at: withOffset(photo.DateTimeOriginal, photo.OffsetTimeOriginal), source: 'DateTimeOriginal' };
      }
      if (isValidDate(photo.DateTimeDigitized)) {
        return { at: withOffset(photo.DateTimeDigitized, photo.OffsetTimeDigitized), source: 'CreateDate' };
      }
    } catch {
      // Malformed EXIF is common in edited photos: fall back to the file's time.
    }
  }
  return { at: fileTime(mtimeMs), source: 'FileModifyDate' };
}
