import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Box, Landmarks5 } from '../../common/geometry.js';
import type { AssignmentStatus } from '../../common/people.js';
import type { LibraryDatabase } from '../store/database.js';
import { blobToFloats } from '../store/embedding-blob.js';
import { writeAnnotatedCopy, type AnnotatedFace } from '../vision/annotate.js';

/** One face of the library, as `facetag export` writes it. */
export interface FaceExportRow {
  readonly file: string;
  readonly faceId: number;
  readonly personId: number | null;
  /** The person's name; null for an unnamed group or a face of no one. */
  readonly person: string | null;
  readonly status: AssignmentStatus | null;
  readonly confidence: number | null;
  /** Upright pixels. */
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly capturedAt: string | null;
}

export const FACE_EXPORT_COLUMNS = ['file', 'faceId', 'personId', 'person', 'status', 'confidence', 'x1', 'y1', 'x2', 'y2', 'capturedAt'] as const;

const round = (v: number, decimals: number): number => Math.round(v * 10 ** decimals) / 10 ** decimals;

/** Every face of the library except those marked "not a face", by photo then position. */
export function faceExportRows(db: LibraryDatabase): FaceExportRow[] {
  const rows = db
    .prepare(
      `SELECT p.path, f.id, a.person_id, pe.name, a.status, a.confidence, f.x1, f.y1, f.x2, f.y2, p.captured_at
       FROM faces f JOIN photos p ON p.id = f.photo_id
       LEFT JOIN face_assignments a ON a.face_id = f.id LEFT JOIN people pe ON pe.id = a.person_id
       WHERE f.id NOT IN (SELECT face_id FROM not_faces)
       ORDER BY p.path, f.x1, f.id`,
    )
    .all() as {
    path: string;
    id: number;
    person_id: number | null;
    name: string | null;
    status: AssignmentStatus | null;
    confidence: number | null;
    x1: number;
    y1: number;
    x2: number;
    y2: number;
    captured_at: string | null;
  }[];
  return rows.map((r) => ({
    file: r.path,
    faceId: r.id,
    personId: r.person_id,
    person: r.name,
    status: r.status,
    confidence: r.confidence === null ? null : round(r.confidence, 3),
    x1: round(r.x1, 1),
    y1: round(r.y1, 1),
    x2: round(r.x2, 1),
    y2: round(r.y2, 1),
    capturedAt: r.captured_at,
  }));
}

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; null is an empty field. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: readonly FaceExportRow[]): string {
  const lines = [FACE_EXPORT_COLUMNS.join(',')];
  for (const row of rows) lines.push(FACE_EXPORT_COLUMNS.map((c) => csvField(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

// ---- annotated copies ---------------------------------------------------------------------------------------------

export interface AnnotatedExportSummary {
  readonly person: { id: number; name: string | null };
  photos: number;
  written: string[];
  errors: { file: string; error: string }[];
}

export class ExportError extends Error {
  override readonly name = 'ExportError';
}

/** A person by name (case-insensitive) or by id ("#12" or "12"), or undefined. */
export function findPerson(db: LibraryDatabase, nameOrId: string): { id: number; name: string | null } | undefined {
  const byName = db
    .prepare('SELECT id, name FROM people WHERE name = ? COLLATE NOCASE ORDER BY id LIMIT 1')
    .get(nameOrId.trim()) as { id: number; name: string | null } | undefined;
  if (byName) return byName;
  const id = /^#?(\d+)$/.exec(nameOrId.trim())?.[1];
  return id === undefined ? undefined : (db.prepare('SELECT id, name FROM people WHERE id = ?').get(Number(id)) as { id: number; name: string | null } | undefined);
}

/** A file name in `dir` not used yet (nor by an earlier copy of this run). */
function freeName(dir: string, base: string, taken: Set<string>): string {
  const ext = path.extname(base);
  const stem = base.slice(0, base.length - ext.length);
  for (let k = 1; ; k++) {
    const name = k === 1 ? `${stem}.jpg` : `${stem}-${k}.jpg`;
    const full = path.join(dir, name);
    if (!taken.has(full) && !existsSync(full)) {
      taken.add(full);
      return full;
    }
  }
}

/**
 * Writes upright copies of a person's photos (faces confirmed or tagged automatically; suggested ones too with
 * `includeSuggested`) into `outDir`, each face box drawn with its person's name: the person's own faces, and the
 * named people's faces beside them.
 */
export async function exportAnnotated(
  db: LibraryDatabase,
  person: { id: number; name: string | null },
  outDir: string,
  options: { includeSuggested?: boolean } = {},
): Promise<AnnotatedExportSummary> {
  const statuses = options.includeSuggested ? "('confirmed', 'auto', 'suggested')" : "('confirmed', 'auto')";
  const photos = db
    .prepare(
      `SELECT DISTINCT p.id, p.path, p.width FROM face_assignments a JOIN faces f ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id
       WHERE a.person_id = ? AND a.status IN ${statuses} AND p.width IS NOT NULL ORDER BY p.captured_at, p.path`,
    )
    .all(person.id) as { id: number; path: string; width: number }[];
  await mkdir(outDir, { recursive: true });
  const summary: AnnotatedExportSummary = { person, photos: photos.length, written: [], errors: [] };
  const taken = new Set<string>();
  const label = (id: number, name: string | null): string => name ?? `#${id}`;
  for (const photo of photos) {
    const faces = (
      db
        .prepare(
          `SELECT f.x1, f.y1, f.x2, f.y2, f.landmarks, a.person_id, a.status, pe.name FROM faces f
           JOIN face_assignments a ON a.face_id = f.id JOIN people pe ON pe.id = a.person_id
           WHERE f.photo_id = ? AND f.id NOT IN (SELECT face_id FROM not_faces) ORDER BY f.x1`,
        )
        .all(photo.id) as { x1: number; y1: number; x2: number; y2: number; landmarks: Buffer; person_id: number; status: AssignmentStatus; name: string | null }[]
    )
      .filter((f) => (f.person_id === person.id ? options.includeSuggested || f.status !== 'suggested' : f.name !== null && f.status !== 'suggested'))
      .map((f): AnnotatedFace => {
        const l = blobToFloats(f.landmarks);
        return {
          box: [f.x1, f.y1, f.x2, f.y2] as Box,
          landmarks: [0, 1, 2, 3, 4].map((k) => [l[2 * k]!, l[2 * k + 1]!] as const) as unknown as Landmarks5,
          label: label(f.person_id, f.name),
        };
      });
    const target = freeName(outDir, path.basename(photo.path), taken);
    try {
      await writeAnnotatedCopy(photo.path, target, faces, photo.width);
      summary.written.push(target);
    } catch (error) {
      summary.errors.push({ file: photo.path, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return summary;
}
