import type { LibraryDatabase } from './database.js';

/** The tables a user operation may change; their changes are what `undo` reverts. */
export const UNDOABLE_TABLES = ['people', 'face_assignments', 'face_rejections', 'not_faces', 'faces'] as const;

/**
 * Records the inverse of every row change made on this connection while an operation runs (the technique of
 * SQLite's "Automatic Undo/Redo Using SQLite" note): TEMP triggers, visible to this connection only, write the SQL
 * that reverts each INSERT, UPDATE and DELETE into a TEMP log. Nothing else (the scanner, the grouping) is recorded.
 */
export class UndoRecorder {
  constructor(private readonly db: LibraryDatabase) {
    db.exec('CREATE TEMP TABLE IF NOT EXISTS undo_log (seq INTEGER PRIMARY KEY, sql TEXT NOT NULL)');
    db.exec('CREATE TEMP TABLE IF NOT EXISTS undo_recording (on_ INTEGER NOT NULL)');
    for (const table of UNDOABLE_TABLES) this.createTriggers(table);
  }

  private createTriggers(table: string): void {
    const columns = (this.db.prepare(`PRAGMA main.table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
    const when = 'WHEN EXISTS (SELECT 1 FROM temp.undo_recording)';
    // A deleted row comes back with its own rowid: older entries of the log (and of older operations) name rows by
    // rowid, and a table without an INTEGER PRIMARY KEY (face_rejections) would otherwise give it a new one.
    const oldValues = columns.map((c) => `quote(old.${c})`).join(" || ',' || ");
    const assignments = columns.map((c) => `'${c} = ' || quote(old.${c})`).join(" || ', ' || ");
    this.db.exec(`
      CREATE TEMP TRIGGER IF NOT EXISTS undo_${table}_insert AFTER INSERT ON main.${table} ${when} BEGIN
        INSERT INTO undo_log (sql) VALUES ('DELETE FROM ${table} WHERE rowid = ' || new.rowid);
      END;
      CREATE TEMP TRIGGER IF NOT EXISTS undo_${table}_update AFTER UPDATE ON main.${table} ${when} BEGIN
        INSERT INTO undo_log (sql) VALUES ('UPDATE ${table} SET ' || ${assignments} || ' WHERE rowid = ' || old.rowid);
      END;
      CREATE TEMP TRIGGER IF NOT EXISTS undo_${table}_delete BEFORE DELETE ON main.${table} ${when} BEGIN
        INSERT INTO undo_log (sql) VALUES (
          'INSERT OR REPLACE INTO ${table} (rowid, ${columns.join(', ')}) VALUES (' || old.rowid || ',' || ${oldValues} || ')'
        );
      END;
    `);
  }

  /**
   * Runs `change` in one transaction and stores it as an operation that `undoLast` can revert.
   * Returns what `change` returns.
   */
  record<T>(description: string, change: () => T): T {
    return this.db.transaction(() => {
      this.db.exec('DELETE FROM temp.undo_log; INSERT INTO temp.undo_recording VALUES (1)');
      try {
        const result = change();
        const statements = this.db.prepare('SELECT sql FROM temp.undo_log ORDER BY seq DESC').pluck().all() as string[];
        if (statements.length > 0) {
          this.db
            .prepare('INSERT INTO operations (at, description, undo_sql) VALUES (?, ?, ?)')
            .run(new Date().toISOString(), description, JSON.stringify(statements));
        }
        return result;
      } finally {
        this.db.exec('DELETE FROM temp.undo_recording; DELETE FROM temp.undo_log');
      }
    })();
  }

  /**
   * A re-scan may have removed a face the operation touched (its photo was deleted since): what the undo brought
   * back for that face points at nothing and is dropped, the rest of the undo stands.
   */
  private dropDecisionsOnVanishedFaces(): void {
    for (const table of ['face_assignments', 'face_rejections', 'not_faces']) {
      this.db.exec(`DELETE FROM ${table} WHERE face_id NOT IN (SELECT id FROM faces)`);
    }
    this.db.exec('UPDATE people SET cover_face_id = NULL WHERE cover_face_id IS NOT NULL AND cover_face_id NOT IN (SELECT id FROM faces)');
  }

  /** Reverts the newest operation not yet undone; returns its description, or null when there is none. */
  undoLast(): string | null {
    return this.db.transaction(() => {
      const op = this.db
        .prepare('SELECT id, description, undo_sql FROM operations WHERE undone = 0 ORDER BY id DESC LIMIT 1')
        .get() as { id: number; description: string; undo_sql: string } | undefined;
      if (!op) return null;
      // The log holds a deleted person's row before the rows that foreign-key actions changed with it (cascaded
      // assignments, runner-ups set to NULL), so replayed newest first a statement may point at a person that the
      // next one brings back: check the foreign keys once, at the end.
      this.db.pragma('defer_foreign_keys = ON');
      for (const sql of JSON.parse(op.undo_sql) as string[]) this.db.exec(sql);
      this.dropDecisionsOnVanishedFaces();
      this.db.prepare('UPDATE operations SET undone = 1 WHERE id = ?').run(op.id);
      return op.description;
    })();
  }
}
