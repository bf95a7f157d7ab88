import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.js';

export type LibraryDatabase = Database.Database;

export class DatabaseVersionError extends Error {
  override readonly name = 'DatabaseVersionError';
}

function migrate(db: LibraryDatabase, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (current > latest) {
    throw new DatabaseVersionError(
      `${db.name} was written by a newer Facetag (schema ${current}; this one knows up to ${latest}). Update Facetag.`,
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}

/**
 * Opens (creating if needed) a library database and brings its schema up to date. WAL mode: readers never wait
 * for the scanner; each write transaction is atomic, so a crash leaves the last committed state.
 */
export function openLibraryDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS): LibraryDatabase {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations);
  return db;
}

export { SCHEMA_VERSION };
