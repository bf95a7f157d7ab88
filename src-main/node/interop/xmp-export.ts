import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Box } from '../../common/geometry.js';
import { storedSize, toOrientation, uprightToStoredBox, type Orientation, type Size } from '../../common/orientation.js';
import type { LibraryDatabase } from '../store/database.js';
import { asWritten, regionKey, writeRegions, type RegionToWrite } from './face-regions.js';
import { isJpeg, readJpegXmp, spliceJpegXmp } from './jpeg-xmp.js';
import { sidecarPath, writeFileAtomicSync, type SidecarStyle } from './xmp-files.js';
import { parseXmpPacket, XmpError, type XmpPacket } from './xmp-packet.js';

/** x:xmptk of the packets Facetag creates. */
export const XMP_TOOLKIT = 'Facetag';

export interface ExportXmpOptions {
  /** Work out everything, write nothing. */
  readonly dryRun?: boolean;
  /** Write into the photos themselves (JPEG only) instead of sidecars. */
  readonly embed?: boolean;
  /** Faces the grouping tagged automatically too, not only the confirmed ones. */
  readonly includeAuto?: boolean;
  readonly style?: SidecarStyle;
  /**
   * Only these photos (the auto-writer). An existing file of such a photo is updated even when no face is left to
   * write, so Facetag's old regions leave it.
   */
  readonly photoIds?: readonly number[];
}

export type ExportAction = 'create' | 'update' | 'unchanged' | 'error';

export interface PhotoXmpExport {
  readonly photo: string;
  /** The sidecar, or the photo itself with --embed. */
  readonly target: string;
  readonly action: ExportAction;
  /** Regions Facetag wrote. */
  readonly regions: number;
  readonly names: string[];
  /** Regions of other tools kept. */
  readonly kept: number;
  readonly error?: string;
}

export interface ExportXmpSummary {
  readonly dryRun: boolean;
  readonly embed: boolean;
  /** Photos looked at. */
  photos: number;
  /** Files written (or that would be, in a dry run). */
  written: number;
  unchanged: number;
  errors: { file: string; error: string }[];
  files: PhotoXmpExport[];
}

interface PhotoRow {
  id: number;
  path: string;
  width: number;
  height: number;
  orientation: number | null;
}

interface FaceRow {
  photo_id: number;
  face_id: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  name: string;
}

/** The stored frame of a photo: its size and orientation, from the upright size the library keeps. */
export function photoFrame(photo: { width: number; height: number; orientation: number | null }): { upright: Size; stored: Size; orientation: Orientation } {
  const orientation = toOrientation(photo.orientation);
  const upright = { width: photo.width, height: photo.height };
  return { upright, stored: storedSize(upright, orientation), orientation };
}

/** An upright face box as a normalised area of the stored image (what MWG regions hold). */
export function toStoredArea(box: Box, photo: { width: number; height: number; orientation: number | null }): Box {
  const { upright, stored, orientation } = photoFrame(photo);
  const [x1, y1, x2, y2] = uprightToStoredBox(box, upright, orientation);
  return [x1 / stored.width, y1 / stored.height, x2 / stored.width, y2 / stored.height];
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The named faces to write, by photo. */
function facesToWrite(db: LibraryDatabase, includeAuto: boolean, photoIds: readonly number[] | undefined): Map<number, FaceRow[]> {
  const statuses = includeAuto ? "('confirmed', 'auto')" : "('confirmed')";
  const only = photoIds ? `AND f.photo_id IN (SELECT value FROM json_each(@ids))` : '';
  const rows = db
    .prepare(
      `SELECT f.photo_id, f.id AS face_id, f.x1, f.y1, f.x2, f.y2, pe.name
       FROM face_assignments a JOIN faces f ON f.id = a.face_id JOIN people pe ON pe.id = a.person_id
       WHERE a.status IN ${statuses} AND pe.name IS NOT NULL AND f.id NOT IN (SELECT face_id FROM not_faces) ${only}
       ORDER BY f.photo_id, f.x1, f.id`,
    )
    .all({ ids: JSON.stringify(photoIds ?? []) }) as FaceRow[];
  const byPhoto = new Map<number, FaceRow[]>();
  for (const r of rows) {
    const list = byPhoto.get(r.photo_id) ?? [];
    list.push(r);
    byPhoto.set(r.photo_id, list);
  }
  return byPhoto;
}

function photosByIds(db: LibraryDatabase, ids: readonly number[]): PhotoRow[] {
  return db
    .prepare(
      `SELECT id, path, width, height, orientation FROM photos
       WHERE id IN (SELECT value FROM json_each(?)) AND width IS NOT NULL AND height IS NOT NULL ORDER BY path`,
    )
    .all(JSON.stringify(ids)) as PhotoRow[];
}

/** The XMP Facetag would write for one photo: the target's current text (null if none) and the new one. */
interface Plan {
  readonly target: string;
  readonly before: string | null;
  readonly after: string;
  /** The photo's bytes, with --embed. */
  readonly bytes?: Buffer;
  readonly regions: readonly RegionToWrite[];
  readonly kept: number;
  readonly names: string[];
}

function plan(photo: PhotoRow, regions: RegionToWrite[], embed: boolean, style: SidecarStyle): Plan | null {
  const { stored } = photoFrame(photo);
  let before: string | null = null;
  let bytes: Buffer | undefined;
  let target: string;
  if (embed) {
    target = photo.path;
    bytes = readFileSync(photo.path);
    if (!isJpeg(bytes)) throw new XmpError('only JPEG photos can carry regions written by Facetag; write a sidecar instead (without --embed)');
    before = readJpegXmp(bytes).standard;
  } else {
    target = sidecarPath(photo.path, style);
    before = existsSync(target) ? readFileSync(target, 'utf8') : null;
  }
  if (regions.length === 0 && before === null) return null;
  let packet: XmpPacket | null = null;
  if (before !== null) {
    try {
      packet = parseXmpPacket(before);
    } catch (error) {
      throw new XmpError(`${embed ? 'the photo’s XMP' : target} is not valid XMP (${errorText(error)}); it was left untouched`);
    }
  }
  const result = writeRegions(packet, regions, stored, XMP_TOOLKIT);
  return { target, before, after: result.text, bytes, regions, kept: result.kept, names: result.names };
}

function record(db: LibraryDatabase, photoId: number, target: string, regions: readonly RegionToWrite[]): void {
  const now = new Date().toISOString();
  db.transaction(() => {
    if (regions.length > 0) {
      db.prepare('INSERT INTO xmp_exports (photo_id, target, at) VALUES (?, ?, ?) ON CONFLICT(photo_id, target) DO UPDATE SET at = excluded.at').run(photoId, target, now);
    } else {
      db.prepare('DELETE FROM xmp_exports WHERE photo_id = ? AND target = ?').run(photoId, target);
    }
    const insert = db.prepare(
      "INSERT OR IGNORE INTO xmp_regions (photo_id, region_key, name, outcome, face_id, at) VALUES (?, ?, ?, 'exported', NULL, ?)",
    );
    for (const r of regions) insert.run(photoId, regionKey(r.name, asWritten(r.area).box), r.name, now);
  })();
}

/**
 * Writes the named faces of the library into XMP: a sidecar per photo (merged with what is there), or with `embed`
 * the JPEG itself (atomically, only its XMP segment replaced). Photos Facetag wrote before are visited again, so
 * regions of faces no longer confirmed leave their files. Never throws for one photo: its error is in the summary.
 */
export function exportXmp(db: LibraryDatabase, options: ExportXmpOptions = {}): ExportXmpSummary {
  const embed = options.embed ?? false;
  const style = options.style ?? 'digikam';
  const dryRun = options.dryRun ?? false;
  const faces = facesToWrite(db, options.includeAuto ?? false, options.photoIds);
  const earlier = db.prepare('SELECT DISTINCT photo_id FROM xmp_exports').pluck().all() as number[];
  const ids = options.photoIds ?? [...new Set([...faces.keys(), ...earlier])];
  const summary: ExportXmpSummary = { dryRun, embed, photos: 0, written: 0, unchanged: 0, errors: [], files: [] };
  for (const photo of photosByIds(db, ids)) {
    const regions = (faces.get(photo.id) ?? []).map((f) => ({ name: f.name, area: toStoredArea([f.x1, f.y1, f.x2, f.y2], photo) }));
    let target = embed ? photo.path : sidecarPath(photo.path, style);
    try {
      const p = plan(photo, regions, embed, style);
      if (!p) continue;
      target = p.target;
      summary.photos++;
      const changed = p.after !== p.before;
      const entry: PhotoXmpExport = {
        photo: photo.path,
        target: p.target,
        action: !changed ? 'unchanged' : p.before === null ? 'create' : 'update',
        regions: p.regions.length,
        names: p.names,
        kept: p.kept,
      };
      if (changed && !dryRun) {
        if (embed) {
          const bytes = spliceJpegXmp(p.bytes!, p.after);
          writeFileAtomicSync(photo.path, bytes);
          // The pixels did not change: the library takes the new file as the same photo (no re-detection).
          const info = statSync(photo.path);
          db.prepare('UPDATE photos SET size = ?, mtime_ms = ?, content_hash = ? WHERE id = ?').run(
            bytes.length,
            Math.round(info.mtimeMs),
            createHash('sha256').update(bytes).digest('hex'),
            photo.id,
          );
        } else {
          writeFileAtomicSync(p.target, p.after);
        }
      }
      if (!dryRun) record(db, photo.id, p.target, p.regions);
      if (changed) summary.written++;
      else summary.unchanged++;
      summary.files.push(entry);
    } catch (error) {
      summary.photos++;
      summary.errors.push({ file: photo.path, error: errorText(error) });
      summary.files.push({ photo: photo.path, target, action: 'error', regions: regions.length, names: [], kept: 0, error: errorText(error) });
    }
  }
  return summary;
}
