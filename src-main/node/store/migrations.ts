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

        -- AUTOINCREMENT on photos and faces: an id is never reused, so nothing can point at the wrong one.
        CREATE TABLE photos (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
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
          id INTEGER PRIMARY KEY AUTOINCREMENT,
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
          outcome TEXT NOT NULL CHECK (outcome IN ('running', 'completed', 'cancelled', 'failed', 'interrupted')),
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
  {
    version: 2,
    name: 'people: people, face assignments, rejections, face flags, undo journal',
    up: (db) =>
      db.exec(`
        -- AUTOINCREMENT: a person's id is never reused, so an undo or a link never points at someone else.
        CREATE TABLE people (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT,
          hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
          cover_face_id INTEGER REFERENCES faces(id) ON DELETE SET NULL,
          created_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX people_by_name ON people(name COLLATE NOCASE);

        -- Which person a face is (confirmed by the user) or is thought to be (auto / suggested by the grouping).
        CREATE TABLE face_assignments (
          face_id INTEGER PRIMARY KEY REFERENCES faces(id) ON DELETE CASCADE,
          person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
          status TEXT NOT NULL CHECK (status IN ('confirmed', 'auto', 'suggested')),
          confidence REAL NOT NULL,
          runner_up_person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
          runner_up_confidence REAL
        ) STRICT;
        CREATE INDEX face_assignments_by_person ON face_assignments(person_id, status);

        -- "This face is not that person": never suggested again.
        CREATE TABLE face_rejections (
          face_id INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
          person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
          PRIMARY KEY (face_id, person_id)
        ) STRICT;

        -- A detection the user says is not a face: kept (so a re-scan does not bring it back) but never grouped.
        CREATE TABLE not_faces (
          face_id INTEGER PRIMARY KEY REFERENCES faces(id) ON DELETE CASCADE
        ) STRICT;

        -- Faces the grouping has already considered (new faces are the ones missing here).
        CREATE TABLE grouped_faces (
          face_id INTEGER PRIMARY KEY REFERENCES faces(id) ON DELETE CASCADE
        ) STRICT;

        -- The user's operations, newest last; each holds the SQL that reverts it.
        CREATE TABLE operations (
          id INTEGER PRIMARY KEY,
          at TEXT NOT NULL,
          description TEXT NOT NULL,
          undo_sql TEXT NOT NULL,
          undone INTEGER NOT NULL DEFAULT 0
        ) STRICT;
      `),
  },
  {
    version: 3,
    name: 'interop: XMP face regions imported and written, XMP files read',
    up: (db) =>
      db.exec(`
        -- Named face regions of a photo's XMP (sidecars, embedded) that were imported, or that Facetag wrote itself:
        -- each one is imported once. region_key: the name (case folded) and the normalised area in the stored frame.
        CREATE TABLE xmp_regions (
          photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
          region_key TEXT NOT NULL,
          name TEXT NOT NULL,
          outcome TEXT NOT NULL CHECK (outcome IN ('confirmed', 'manual', 'already', 'conflict', 'not-a-face', 'invalid', 'exported')),
          face_id INTEGER REFERENCES faces(id) ON DELETE SET NULL,
          at TEXT NOT NULL,
          PRIMARY KEY (photo_id, region_key)
        ) STRICT;

        -- The XMP files (sidecars, or the photo itself for embedded XMP) as they were when last read, so an import
        -- reads only what changed.
        CREATE TABLE xmp_sources (
          photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
          path TEXT NOT NULL,
          size INTEGER NOT NULL,
          mtime_ms INTEGER NOT NULL,
          PRIMARY KEY (photo_id, path)
        ) STRICT;

        -- Where Facetag wrote a photo's regions (a sidecar, or the photo itself), to update or clear them later.
        CREATE TABLE xmp_exports (
          photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
          target TEXT NOT NULL,
          at TEXT NOT NULL,
          PRIMARY KEY (photo_id, target)
        ) STRICT;
      `),
  },
  {
    version: 4,
    name: 'scale: people statistics cache, review queue index',
    up: (db) =>
      db.exec(`
        -- What the people list shows about each person (counts, first and last seen, best face), derived from
        -- face_assignments, faces and photos. A row is recomputed when its person is in person_stats_stale, which
        -- the triggers below fill on every change the figures depend on (foreign-key cascades fire them too).
        CREATE TABLE person_stats (
          person_id INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
          face_count INTEGER NOT NULL,
          photo_count INTEGER NOT NULL,
          first_at TEXT,
          first_source TEXT,
          first_path TEXT,
          last_at TEXT,
          last_source TEXT,
          last_path TEXT,
          best_face_id INTEGER,
          best_path TEXT,
          best_per_year TEXT NOT NULL DEFAULT '[]'
        ) STRICT;
        CREATE TABLE person_stats_stale (
          person_id INTEGER PRIMARY KEY
        ) STRICT;
        INSERT INTO person_stats_stale (person_id) SELECT id FROM people;

        -- (Not INSERT OR IGNORE: inside a trigger, the outer statement's conflict policy would replace the IGNORE.)
        CREATE TRIGGER person_stats_person_added AFTER INSERT ON people BEGIN
          INSERT INTO person_stats_stale (person_id) SELECT new.id WHERE new.id NOT IN (SELECT person_id FROM person_stats_stale);
        END;
        -- BEFORE: an INSERT OR REPLACE (an undo) drops the row it replaces without a delete trigger.
        CREATE TRIGGER person_stats_assignment_added BEFORE INSERT ON face_assignments BEGIN
          INSERT INTO person_stats_stale (person_id) SELECT new.person_id WHERE new.person_id NOT IN (SELECT person_id FROM person_stats_stale);
          INSERT INTO person_stats_stale (person_id) SELECT person_id FROM face_assignments
            WHERE face_id = new.face_id AND person_id NOT IN (SELECT person_id FROM person_stats_stale);
        END;
        CREATE TRIGGER person_stats_assignment_moved AFTER UPDATE OF person_id, face_id ON face_assignments BEGIN
          INSERT INTO person_stats_stale (person_id) SELECT old.person_id WHERE old.person_id NOT IN (SELECT person_id FROM person_stats_stale);
          INSERT INTO person_stats_stale (person_id) SELECT new.person_id WHERE new.person_id NOT IN (SELECT person_id FROM person_stats_stale);
        END;
        CREATE TRIGGER person_stats_assignment_removed AFTER DELETE ON face_assignments BEGIN
          INSERT INTO person_stats_stale (person_id) SELECT old.person_id WHERE old.person_id NOT IN (SELECT person_id FROM person_stats_stale);
        END;
        CREATE TRIGGER person_stats_face_changed AFTER UPDATE OF quality, photo_id ON faces BEGIN
          INSERT INTO person_stats_stale (person_id) SELECT person_id FROM face_assignments
            WHERE face_id = new.id AND person_id NOT IN (SELECT person_id FROM person_stats_stale);
        END;
        CREATE TRIGGER person_stats_photo_changed AFTER UPDATE OF captured_at, capture_source, path, sharpness ON photos BEGIN
          INSERT INTO person_stats_stale (person_id)
            SELECT DISTINCT a.person_id FROM faces f JOIN face_assignments a ON a.face_id = f.id
            WHERE f.photo_id = new.id AND a.person_id NOT IN (SELECT person_id FROM person_stats_stale);
        END;

        -- A slim copy of what the people pages read of each face, so that listing a person's 50,000 faces does not
        -- read their embeddings' pages.
        CREATE INDEX faces_for_people ON faces(id, photo_id, quality, x1, y1, x2, y2);

        -- The review queue walks the unconfirmed faces most doubtful first.
        CREATE INDEX face_assignments_to_review ON face_assignments(confidence, face_id) WHERE status != 'confirmed';
      `),
  },
  {
    version: 5,
    name: 'scale: people change log for the in-memory people list',
    up: (db) =>
      db.exec(`
        -- A counter of changes to what the people list shows (people, person_stats, and person_stats_stale, which
        -- says figures are about to change), and the counter value of each person's last change, kept by the
        -- triggers below. A process holding the list in memory reads the counter to know whether its copy is still
        -- right (whichever connection wrote), and re-reads only the people changed since. A deleted person leaves no
        -- row: the list finds them gone by counting.
        CREATE TABLE people_version (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          version INTEGER NOT NULL
        ) STRICT;
        INSERT INTO people_version (id, version) VALUES (1, 0);
        CREATE TABLE people_changes (
          person_id INTEGER PRIMARY KEY,
          version INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX people_changes_by_version ON people_changes(version);

        -- (DELETE then INSERT, not an upsert: inside a trigger, the outer statement's conflict policy would apply.)
        CREATE TRIGGER people_list_person_added AFTER INSERT ON people BEGIN
          UPDATE people_version SET version = version + 1;
          DELETE FROM people_changes WHERE person_id = new.id;
          INSERT INTO people_changes (person_id, version) SELECT new.id, version FROM people_version;
        END;
        CREATE TRIGGER people_list_person_changed AFTER UPDATE ON people BEGIN
          UPDATE people_version SET version = version + 1;
          DELETE FROM people_changes WHERE person_id IN (old.id, new.id);
          INSERT INTO people_changes (person_id, version) SELECT new.id, version FROM people_version;
        END;
        CREATE TRIGGER people_list_person_removed AFTER DELETE ON people BEGIN
          UPDATE people_version SET version = version + 1;
          DELETE FROM people_changes WHERE person_id = old.id;
        END;
        CREATE TRIGGER people_list_stats_added AFTER INSERT ON person_stats BEGIN
          UPDATE people_version SET version = version + 1;
          DELETE FROM people_changes WHERE person_id = new.person_id;
          INSERT INTO people_changes (person_id, version) SELECT new.person_id, version FROM people_version;
        END;
        CREATE TRIGGER people_list_stats_changed AFTER UPDATE ON person_stats BEGIN
          UPDATE people_version SET version = version + 1;
          DELETE FROM people_changes WHERE person_id IN (old.person_id, new.person_id);
          INSERT INTO people_changes (person_id, version) SELECT new.person_id, version FROM people_version;
        END;
        CREATE TRIGGER people_list_stats_removed AFTER DELETE ON person_stats BEGIN
          UPDATE people_version SET version = version + 1;
          DELETE FROM people_changes WHERE person_id = old.person_id;
          INSERT INTO people_changes (person_id, version)
            SELECT old.person_id, version FROM people_version WHERE EXISTS (SELECT 1 FROM people WHERE id = old.person_id);
        END;
        CREATE TRIGGER people_list_stats_stale AFTER INSERT ON person_stats_stale BEGIN
          UPDATE people_version SET version = version + 1;
        END;
      `),
  },
  {
    version: 6,
    name: 'scale: a person\'s faces in capture order',
    up: (db) =>
      db.exec(`
        -- A copy of the capture time of the face's photo, kept by the triggers below, so that an index gives a
        -- person's faces in capture order (undated last): a person page reads its first faces and photos without
        -- sorting all of the person's faces.
        ALTER TABLE face_assignments ADD COLUMN photo_captured_at TEXT;
        UPDATE face_assignments SET photo_captured_at =
          (SELECT p.captured_at FROM faces f JOIN photos p ON p.id = f.photo_id WHERE f.id = face_assignments.face_id);
        CREATE INDEX face_assignments_in_capture_order ON face_assignments(person_id, photo_captured_at IS NULL, photo_captured_at);

        CREATE TRIGGER capture_order_assigned AFTER INSERT ON face_assignments BEGIN
          UPDATE face_assignments SET photo_captured_at =
            (SELECT p.captured_at FROM faces f JOIN photos p ON p.id = f.photo_id WHERE f.id = new.face_id)
          WHERE face_id = new.face_id;
        END;
        CREATE TRIGGER capture_order_reassigned AFTER UPDATE OF face_id ON face_assignments BEGIN
          UPDATE face_assignments SET photo_captured_at =
            (SELECT p.captured_at FROM faces f JOIN photos p ON p.id = f.photo_id WHERE f.id = new.face_id)
          WHERE face_id = new.face_id;
        END;
        CREATE TRIGGER capture_order_face_moved AFTER UPDATE OF photo_id ON faces BEGIN
          UPDATE face_assignments SET photo_captured_at = (SELECT captured_at FROM photos WHERE id = new.photo_id)
          WHERE face_id = new.id;
        END;
        CREATE TRIGGER capture_order_photo_dated AFTER UPDATE OF captured_at ON photos
        WHEN old.captured_at IS NOT new.captured_at BEGIN
          UPDATE face_assignments SET photo_captured_at = new.captured_at
          WHERE face_id IN (SELECT id FROM faces WHERE photo_id = new.id);
        END;
      `),
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
