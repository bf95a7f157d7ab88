import type { Database } from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: (db: Database) => void;
}

/**
 * The schema, one numbered step at a time. Never edit a released step: add the next one.
 * Rule: user decisions never live in rows that a re-scan deletes (photos, faces are the scanner's).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'library: folders, photos, faces, scans, face journal',
    up: (db) =>
      db.exec(`
        CREATE TABLE folders (
          id INTEGER PRIMARY KEY,
          path TEXT NOT NULL UNIQUE,
          added_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE photos (
          id INTEGER PRIMARY KEY,
          folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
          path TEXT NOT NULL UNIQUE,
          size INTEGER NOT NULL,
          mtime_ms INTEGER NOT NULL,
          content_hash TEXT,
          format TEXT,
          width INTEGER,
          height INTEGER,
          orientation INTEGER,
          captured_at TEXT,
          capture_source TEXT CHECK (capture_source IN ('DateTimeOriginal', 'CreateDate', 'FileModifyDate')),
          sharpness REAL,
          detector_id TEXT,
          recognizer_id TEXT,
          indexed_at TEXT NOT NULL,
          error_code TEXT,
          error TEXT
        ) STRICT;
        CREATE INDEX photos_by_folder ON photos(folder_id);
        CREATE INDEX photos_by_hash ON photos(content_hash);
        CREATE INDEX photos_by_capture ON photos(captured_at);

        CREATE TABLE faces (
          id INTEGER PRIMARY KEY,
          photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
          x1 REAL NOT NULL,
          y1 REAL NOT NULL,
          x2 REAL NOT NULL,
          y2 REAL NOT NULL,
          landmarks BLOB NOT NULL,
          score REAL NOT NULL,
          quality REAL NOT NULL,
          quality_parts TEXT NOT NULL,
          embedding BLOB NOT NULL,
          detector_id TEXT NOT NULL,
          recognizer_id TEXT NOT NULL,
          origin TEXT NOT NULL DEFAULT 'detected' CHECK (origin IN ('detected', 'manual'))
        ) STRICT;
        CREATE INDEX faces_by_photo ON faces(photo_id);

        CREATE TABLE scans (
          id INTEGER PRIMARY KEY,
          started_at TEXT NOT NULL,
          finished_at TEXT,
          outcome TEXT NOT NULL CHECK (outcome IN ('running', 'completed', 'cancelled', 'failed')),
          summary TEXT
        ) STRICT;

        -- What left the library with a deleted photo or a face that a re-detection no longer finds, with what was
        -- attached to it (JSON), so nothing the user did is silently dropped.
        CREATE TABLE face_journal (
          id INTEGER PRIMARY KEY,
          at TEXT NOT NULL,
          event TEXT NOT NULL CHECK (event IN ('photo-removed', 'face-not-redetected')),
          photo_path TEXT NOT NULL,
          content_hash TEXT,
          face_id INTEGER NOT NULL,
          box TEXT NOT NULL,
          attached TEXT NOT NULL
        ) STRICT;

        CREATE TABLE settings (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;
      `),
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
