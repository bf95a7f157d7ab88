import { readFileSync, statSync } from 'node:fs';
import { clampBox, iou, type Box } from '../../common/geometry.js';
import { storedToUprightBox, swapsAxes } from '../../common/orientation.js';
import { PeopleError, type PeopleService } from '../people/people.service.js';
import type { LibraryDatabase } from '../store/database.js';
import { readRegions, regionKey, SAME_REGION_IOU, type XmpRegion } from './face-regions.js';
import { photoFrame } from './xmp-export.js';
import { readEmbeddedXmp, sidecarCandidates } from './xmp-files.js';
import { parseXmpPacket } from './xmp-packet.js';

/**
 * Brings names made in other tools into the library: the named face regions (MWG and Microsoft) of each photo's
 * XMP sidecars (photo.jpg.xmp and photo.xmp) and embedded XMP.
 *
 * - A region that overlaps a face of the photo (IoU >= MATCH_IOU, upright) confirms that face as the named person
 *   (found by name, or created), through PeopleService.confirm: an ordinary, undoable operation.
 * - A region over no face becomes a face drawn by hand (PeopleService.addFace), confirmed as that person.
 * - A face the user confirmed as someone else, or marked "not a face", stays as the user said (the region is
 *   counted as a conflict): the user's decisions are never overridden.
 * - Each region (photo + name + area) is imported once (table xmp_regions), as are the regions Facetag wrote itself;
 *   XMP files are read again only when their size or modification time changed (table xmp_sources).
 */

/** A region and a face overlapping at least this much (IoU, upright pixels) are the same face. */
export const MATCH_IOU = 0.3;

export interface XmpImportSummary {
  /** Photos whose XMP was read (because it is new or changed). */
  photos: number;
  /** Named face regions not imported before. */
  regions: number;
  /** Faces confirmed as the region's person. */
  confirmed: number;
  /** Faces added by hand for regions over no detected face. */
  manual: number;
  /** Regions whose face was already confirmed as that person. */
  already: number;
  /** Regions left out because the user decided otherwise about that face. */
  conflicts: number;
  /** Regions that cannot be imported (too small, outside the photo). */
  invalid: number;
  errors: { file: string; error: string }[];
}

export interface XmpImportOptions {
  /** Only these photos (default: every readable photo of the library). */
  readonly photoIds?: readonly number[];
}

interface PhotoRow {
  id: number;
  path: string;
  width: number;
  height: number;
  orientation: number | null;
}

interface FaceRow {
  id: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  status: string | null;
  name: string | null;
  not_face: number;
}

interface Candidate {
  readonly name: string;
  readonly format: XmpRegion['format'];
  readonly key: string;
  /** Upright pixels. */
  readonly box: Box;
}

type Outcome = 'confirmed' | 'manual' | 'already' | 'conflict' | 'not-a-face' | 'invalid';

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The XMP sources of a photo that changed since they were last read (sidecars first, then the photo itself). */
function changedSources(db: LibraryDatabase, photo: PhotoRow): { path: string; embedded: boolean; size: number; mtimeMs: number }[] {
  const known = new Map(
    (db.prepare('SELECT path, size, mtime_ms FROM xmp_sources WHERE photo_id = ?').all(photo.id) as { path: string; size: number; mtime_ms: number }[]).map(
      (r) => [r.path, r],
    ),
  );
  const seen = new Set<string>();
  const out: { path: string; embedded: boolean; size: number; mtimeMs: number }[] = [];
  for (const [file, embedded] of [...sidecarCandidates(photo.path).map((p) => [p, false] as const), [photo.path, true] as const]) {
    let info;
    try {
      info = statSync(file);
    } catch {
      continue;
    }
    if (!info.isFile()) continue;
    // One file under two names (a case-insensitive disk): read once.
    const identity = `${info.dev}:${info.ino}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    const mtimeMs = Math.round(info.mtimeMs);
    const before = known.get(file);
    if (before && before.size === info.size && before.mtime_ms === mtimeMs) continue;
    out.push({ path: file, embedded, size: info.size, mtimeMs });
  }
  return out;
}

/** The named face regions of one photo's packets, upright, without duplicates. */
function candidates(photo: PhotoRow, packets: readonly string[], errors: XmpImportSummary['errors'], file: string): Candidate[] {
  const { upright, stored, orientation } = photoFrame(photo);
  const found: Candidate[] = [];
  for (const text of packets) {
    let read;
    try {
      read = readRegions(parseXmpPacket(text));
    } catch (error) {
      errors.push({ file, error: `its XMP cannot be read: ${errorText(error)}` });
      continue;
    }
    // MWG regions are in the stored frame. A writer that used the upright frame instead gives itself away, for
    // orientations that swap the axes, by giving the upright size as the dimensions its regions apply to.
    const appliedTo = read.appliedTo;
    const uprightFrame =
      swapsAxes(orientation) &&
      appliedTo !== null &&
      upright.width !== upright.height &&
      Math.abs(appliedTo.width - upright.width) <= 1 &&
      Math.abs(appliedTo.height - upright.height) <= 1;
    for (const region of read.regions) {
      if (!region.name || !region.area) continue;
      if (region.type !== null && region.type.toLowerCase() !== 'face') continue;
      const [x1, y1, x2, y2] = region.area;
      const box =
        region.format === 'mwg' && uprightFrame
          ? ([x1 * upright.width, y1 * upright.height, x2 * upright.width, y2 * upright.height] as Box)
          : storedToUprightBox([x1 * stored.width, y1 * stored.height, x2 * stored.width, y2 * stored.height], stored, orientation);
      found.push({ name: region.name, format: region.format, key: regionKey(region.name, region.area), box });
    }
  }
  const unique: Candidate[] = [];
  for (const c of found) {
    if (unique.some((u) => u.key === c.key)) continue;
    // The Microsoft copy of an MWG region (tools write both) is the same region.
    const sameName = (u: Candidate): boolean => u.name.toLowerCase() === c.name.toLowerCase();
    if (c.format === 'mp' && found.some((u) => u.format === 'mwg' && sameName(u) && iou(u.box, c.box) >= SAME_REGION_IOU)) continue;
    unique.push(c);
  }
  return unique;
}

function facesOf(db: LibraryDatabase, photoId: number): FaceRow[] {
  return db
    .prepare(
      `SELECT f.id, f.x1, f.y1, f.x2, f.y2, a.status, pe.name, (f.id IN (SELECT face_id FROM not_faces)) AS not_face
       FROM faces f LEFT JOIN face_assignments a ON a.face_id = f.id LEFT JOIN people pe ON pe.id = a.person_id
       WHERE f.photo_id = ? ORDER BY f.id`,
    )
    .all(photoId) as FaceRow[];
}

async function importRegion(people: PeopleService, photo: PhotoRow, c: Candidate): Promise<{ outcome: Outcome; faceId: number | null }> {
  const faces = facesOf(people.db, photo.id)
    .map((f) => ({ ...f, overlap: iou([f.x1, f.y1, f.x2, f.y2], c.box) }))
    .filter((f) => f.overlap >= MATCH_IOU)
    .sort((a, b) => b.overlap - a.overlap);
  const face = faces[0];
  if (face) {
    if (face.not_face) return { outcome: 'not-a-face', faceId: face.id };
    if (face.status === 'confirmed') {
      return { outcome: face.name?.toLowerCase() === c.name.toLowerCase() ? 'already' : 'conflict', faceId: face.id };
    }
    people.confirm(face.id, { name: c.name });
    return { outcome: 'confirmed', faceId: face.id };
  }
  const box = clampBox(c.box, photo.width, photo.height);
  if (box[2] - box[0] < 4 || box[3] - box[1] < 4) return { outcome: 'invalid', faceId: null };
  return { outcome: 'manual', faceId: await people.addFace(photo.path, box, { name: c.name }) };
}

/** Imports the named face regions of the library's photos' XMP (see the module's comment). */
export async function importXmpRegions(people: PeopleService, options: XmpImportOptions = {}): Promise<XmpImportSummary> {
  const db = people.db;
  const summary: XmpImportSummary = { photos: 0, regions: 0, confirmed: 0, manual: 0, already: 0, conflicts: 0, invalid: 0, errors: [] };
  const only = options.photoIds ? 'AND id IN (SELECT value FROM json_each(@ids))' : '';
  const photos = db
    .prepare(
      `SELECT id, path, width, height, orientation FROM photos
       WHERE error_code IS NULL AND width IS NOT NULL AND height IS NOT NULL ${only} ORDER BY path`,
    )
    .all({ ids: JSON.stringify(options.photoIds ?? []) }) as PhotoRow[];
  const imported = db.prepare('SELECT 1 FROM xmp_regions WHERE photo_id = ? AND region_key = ?').pluck();
  const remember = db.prepare('INSERT OR IGNORE INTO xmp_regions (photo_id, region_key, name, outcome, face_id, at) VALUES (?, ?, ?, ?, ?, ?)');
  const readAt = db.prepare(
    'INSERT INTO xmp_sources (photo_id, path, size, mtime_ms) VALUES (?, ?, ?, ?) ON CONFLICT(photo_id, path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms',
  );

  for (const photo of photos) {
    const sources = changedSources(db, photo);
    if (sources.length === 0) continue;
    summary.photos++;
    const packets: string[] = [];
    for (const source of sources) {
      try {
        if (source.embedded) packets.push(...(await readEmbeddedXmp(source.path)));
        else packets.push(readFileSync(source.path, 'utf8'));
      } catch (error) {
        summary.errors.push({ file: source.path, error: `cannot read its XMP: ${errorText(error)}` });
      }
    }
    let retry = false;
    for (const c of candidates(photo, packets, summary.errors, photo.path)) {
      if (imported.get(photo.id, c.key)) continue;
      summary.regions++;
      let result: { outcome: Outcome; faceId: number | null };
      try {
        result = await importRegion(people, photo, c);
      } catch (error) {
        summary.errors.push({ file: photo.path, error: `the region named "${c.name}" cannot be imported: ${errorText(error)}` });
        // A region the people layer refuses is remembered as unusable; anything else (a model that cannot be
        // loaded, a photo that cannot be read right now) is tried again at the next import.
        if (!(error instanceof PeopleError)) {
          retry = true;
          continue;
        }
        result = { outcome: 'invalid', faceId: null };
      }
      const { outcome } = result;
      if (outcome === 'confirmed') summary.confirmed++;
      else if (outcome === 'manual') summary.manual++;
      else if (outcome === 'already') summary.already++;
      else if (outcome === 'invalid') summary.invalid++;
      else summary.conflicts++;
      // A face that is gone by now (undone, rescanned) is remembered without it.
      const faceId = result.faceId !== null && db.prepare('SELECT 1 FROM faces WHERE id = ?').get(result.faceId) ? result.faceId : null;
      remember.run(photo.id, c.key, c.name, outcome, faceId, new Date().toISOString());
    }
    if (!retry) for (const source of sources) readAt.run(photo.id, source.path, source.size, source.mtimeMs);
  }
  return summary;
}

/** One line for the user about what an import did, or null when it found nothing new. */
export function describeImport(s: XmpImportSummary): string | null {
  if (s.regions === 0 && s.errors.length === 0) return null;
  const parts = [`${s.confirmed} face(s) confirmed`, `${s.manual} face(s) added`];
  if (s.already > 0) parts.push(`${s.already} already confirmed`);
  if (s.conflicts > 0) parts.push(`${s.conflicts} left as you decided`);
  if (s.invalid > 0) parts.push(`${s.invalid} unusable`);
  if (s.errors.length > 0) parts.push(`${s.errors.length} error(s)`);
  return `names from XMP: ${s.regions} new region(s) (XMP of ${s.photos} photo(s) read): ${parts.join(', ')}`;
}

/**
 * The import run after a scan: never fails the scan (a problem is reported, the names stay for the next scan).
 * `report` gets one line per thing to tell the user (stderr by default).
 */
export async function importNamesAfterScan(
  people: PeopleService,
  report: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<XmpImportSummary | null> {
  try {
    const summary = await importXmpRegions(people);
    const line = describeImport(summary);
    if (line) report(line);
    for (const e of summary.errors) report(`  xmp: ${e.file}: ${e.error}`);
    return summary;
  } catch (error) {
    report(`facetag: names from XMP could not be imported: ${errorText(error)}`);
    return null;
  }
}
