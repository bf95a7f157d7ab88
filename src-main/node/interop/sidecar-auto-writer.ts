import type { LibraryDatabase } from '../store/database.js';
import { readInteropSettings } from './interop-settings.js';
import { exportXmp, type ExportXmpSummary } from './xmp-export.js';

/**
 * Writes the XMP sidecars of the photos a user operation changed (confirm, move, name, merge, reject, undo...) when
 * the setting `interop.writeSidecars` is on.
 *
 * Which photos: TEMP triggers (this connection only, like the undo journal's) note the photos whose face
 * assignments, faces or people's names change while an operation runs (the undo recorder's flag, or `capturing`
 * for an undo); `flush`, called once the operation is committed, writes their sidecars. Scans and the grouping are
 * not operations and are not noted. Writing never undoes or fails the operation: a sidecar that cannot be written
 * is reported in `lastResult` and on stderr.
 */
export class SidecarAutoWriter {
  /** What the last flush wrote (null when it wrote nothing). */
  lastResult: ExportXmpSummary | null = null;

  constructor(
    private readonly db: LibraryDatabase,
    private readonly report: (message: string) => void = (m) => process.stderr.write(`facetag: ${m}\n`),
  ) {
    db.exec(`
      CREATE TEMP TABLE IF NOT EXISTS undo_recording (on_ INTEGER NOT NULL);
      CREATE TEMP TABLE IF NOT EXISTS xmp_capturing (on_ INTEGER NOT NULL);
      CREATE TEMP TABLE IF NOT EXISTS xmp_dirty_photos (photo_id INTEGER NOT NULL);
    `);
    const when = 'WHEN EXISTS (SELECT 1 FROM temp.undo_recording) OR EXISTS (SELECT 1 FROM temp.xmp_capturing)';
    // Plain INSERTs, duplicates allowed: inside a trigger, OR IGNORE would give way to the policy of the statement
    // that fired it (an upsert's ABORT), and a repeated photo would fail the user's operation.
    const ofFace = (ref: string): string => `INSERT INTO temp.xmp_dirty_photos SELECT photo_id FROM main.faces WHERE id = ${ref};`;
    const ofPerson = (ref: string): string =>
      `INSERT INTO temp.xmp_dirty_photos SELECT f.photo_id FROM main.face_assignments a JOIN main.faces f ON f.id = a.face_id WHERE a.person_id = ${ref};`;
    db.exec(`
      CREATE TEMP TRIGGER IF NOT EXISTS xmp_assignment_insert AFTER INSERT ON main.face_assignments ${when} BEGIN ${ofFace('new.face_id')} END;
      CREATE TEMP TRIGGER IF NOT EXISTS xmp_assignment_update AFTER UPDATE ON main.face_assignments ${when} BEGIN
        ${ofFace('old.face_id')} ${ofFace('new.face_id')}
      END;
      CREATE TEMP TRIGGER IF NOT EXISTS xmp_assignment_delete BEFORE DELETE ON main.face_assignments ${when} BEGIN ${ofFace('old.face_id')} END;
      CREATE TEMP TRIGGER IF NOT EXISTS xmp_face_delete BEFORE DELETE ON main.faces ${when} BEGIN
        INSERT INTO temp.xmp_dirty_photos VALUES (old.photo_id);
      END;
      CREATE TEMP TRIGGER IF NOT EXISTS xmp_not_face_insert AFTER INSERT ON main.not_faces ${when} BEGIN ${ofFace('new.face_id')} END;
      CREATE TEMP TRIGGER IF NOT EXISTS xmp_person_rename AFTER UPDATE OF name ON main.people ${when} BEGIN ${ofPerson('new.id')} END;
      CREATE TEMP TRIGGER IF NOT EXISTS xmp_person_delete BEFORE DELETE ON main.people ${when} BEGIN ${ofPerson('old.id')} END;
    `);
  }

  /** Runs `change` (an undo, which the undo recorder's flag does not cover) noting the photos it changes. */
  capturing<T>(change: () => T): T {
    this.db.exec('INSERT INTO temp.xmp_capturing VALUES (1)');
    try {
      return change();
    } finally {
      this.db.exec('DELETE FROM temp.xmp_capturing');
    }
  }

  /** Writes the sidecars of the photos changed since the last flush, if the setting is on; forgets them either way. */
  flush(): void {
    this.lastResult = null;
    const ids = this.db.prepare('SELECT DISTINCT photo_id FROM temp.xmp_dirty_photos').pluck().all() as number[];
    if (ids.length === 0) return;
    this.db.exec('DELETE FROM temp.xmp_dirty_photos');
    try {
      const settings = readInteropSettings(this.db);
      if (!settings.writeSidecars) return;
      this.lastResult = exportXmp(this.db, { photoIds: ids, style: settings.sidecarStyle });
      for (const e of this.lastResult.errors) this.report(`could not write the XMP sidecar of ${e.file}: ${e.error}`);
    } catch (error) {
      this.report(`could not write XMP sidecars: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
