import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSyntheticLibrary } from '../../bench/library-scale.js';
import type { PersonSummary } from '../../src-main/common/people.js';
import { PeopleService } from '../../src-main/node/people/people.service.js';
import { openLibraryDatabase, type LibraryDatabase } from '../../src-main/node/store/database.js';
import { makeTempDir, type TempDir } from '../support/library-fixtures.js';

/**
 * The people list and summaries come from a cache (person_stats) that triggers mark stale: after any change they
 * must equal what a straightforward per-person computation over the tables gives.
 */

/** The figures of one person computed directly, as the app did before the cache. */
function direct(db: LibraryDatabase, personId: number): PersonSummary {
  const person = db.prepare('SELECT id, name, hidden, cover_face_id FROM people WHERE id = ?').get(personId) as {
    id: number;
    name: string | null;
    hidden: number;
    cover_face_id: number | null;
  };
  const counts = db
    .prepare('SELECT count(*) AS faces, count(DISTINCT f.photo_id) AS photos FROM face_assignments a JOIN faces f ON f.id = a.face_id WHERE a.person_id = ?')
    .get(personId) as { faces: number; photos: number };
  const seen = (order: string) => {
    const r = db
      .prepare(
        `SELECT p.captured_at, p.capture_source, p.path FROM face_assignments a JOIN faces f ON f.id = a.face_id
         JOIN photos p ON p.id = f.photo_id WHERE a.person_id = ? AND p.captured_at IS NOT NULL
         ORDER BY p.captured_at ${order}, p.path ${order} LIMIT 1`,
      )
      .get(personId) as { captured_at: string; capture_source: 'DateTimeOriginal'; path: string } | undefined;
    return r ? { at: r.captured_at, source: r.capture_source, file: r.path } : null;
  };
  const best = db
    .prepare(
      `SELECT f.id, p.path FROM face_assignments a JOIN faces f ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id
       WHERE a.person_id = ? ORDER BY f.quality DESC, p.sharpness DESC, f.id LIMIT 1`,
    )
    .get(personId) as { id: number; path: string } | undefined;
  return {
    id: person.id,
    name: person.name,
    hidden: person.hidden === 1,
    photoCount: counts.photos,
    faceCount: counts.faces,
    firstSeen: seen('ASC'),
    lastSeen: seen('DESC'),
    bestPhoto: best?.path ?? null,
    avatarFaceId: person.cover_face_id ?? best?.id ?? null,
  };
}

function directList(db: LibraryDatabase): PersonSummary[] {
  const ids = db.prepare('SELECT id FROM people ORDER BY id').pluck().all() as number[];
  return ids
    .map((id) => direct(db, id))
    .sort((a, b) => {
      if ((a.name === null) !== (b.name === null)) return a.name === null ? 1 : -1;
      if (a.name !== null && b.name !== null) return a.name.localeCompare(b.name);
      return b.faceCount - a.faceCount || a.id - b.id;
    });
}

let temp: TempDir;
let file: string;
let db: LibraryDatabase;
let people: PeopleService;

beforeAll(async () => {
  temp = await makeTempDir('people-stats');
  file = path.join(temp.dir, 'small.db');
  buildSyntheticLibrary(file, { photos: 300, faces: 3000, namedPeople: 6, unnamedPeople: 300, seed: 3 });
  db = openLibraryDatabase(file);
  people = new PeopleService(db);
});

afterAll(async () => {
  db?.close();
  await temp?.cleanup();
});

describe('the people cache', () => {
  const check = (): void => {
    expect(people.list({ includeHidden: true })).toEqual(directList(db));
    for (const p of directList(db).slice(0, 10)) expect(people.summary(p.id)).toEqual(direct(db, p.id));
  };

  it('matches the direct computation on a fresh library', () => {
    check();
    const [first] = people.list();
    expect(first!.faceCount).toBeGreaterThan(0);
  });

  it('computes the same figures in one pass (many stale people) as one person at a time', () => {
    const top = people.list({ includeHidden: true }).slice(0, 8);
    const bulk = top.map((p) => people.details(p.id));
    for (const p of top) db.prepare('INSERT OR IGNORE INTO person_stats_stale (person_id) VALUES (?)').run(p.id);
    expect(top.map((p) => people.details(p.id))).toEqual(bulk);
  });

  it('follows moves, merges, renames, covers, photo changes and undo', () => {
    const list = people.list({ includeHidden: true });
    const [a, b] = list.filter((p) => p.name !== null);
    const unnamed = list.filter((p) => p.name === null);
    const faceOfB = db.prepare('SELECT face_id FROM face_assignments WHERE person_id = ? LIMIT 1').pluck().get(b!.id) as number;
    people.move(faceOfB, a!.id);
    check();
    people.merge(a!.id, unnamed[0]!.id);
    check();
    people.name(unnamed[1]!.id, 'Zed');
    check();
    people.setCover(b!.id, db.prepare('SELECT face_id FROM face_assignments WHERE person_id = ? LIMIT 1').pluck().get(b!.id) as number);
    people.hide(unnamed[2]!.id);
    check();
    // A re-scan changing a photo's date and a face's quality (outside any operation).
    const photo = db.prepare('SELECT f.photo_id FROM face_assignments a JOIN faces f ON f.id = a.face_id WHERE a.person_id = ? LIMIT 1').pluck().get(a!.id) as number;
    db.prepare("UPDATE photos SET captured_at = '1999-01-01T00:00:00' WHERE id = ?").run(photo);
    db.prepare('UPDATE faces SET quality = 2 WHERE photo_id = ?').run(photo);
    check();
    db.prepare('DELETE FROM photos WHERE id = ?').run(photo);
    check();
    for (let i = 0; i < 5; i++) {
      people.undoLast();
      check();
    }
  });

  it('shows each change in the next people list, and reads nothing again after an unrelated write', () => {
    const version = (): number => db.prepare('SELECT version FROM people_version').pluck().get() as number;
    const before = people.list({ includeHidden: true });
    const unchanged = version();
    db.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES ('unrelated', ?)").run(String(Date.now()));
    expect(version()).toBe(unchanged);
    const again = people.list({ includeHidden: true });
    again.forEach((p, i) => expect(p).toBe(before[i]));

    // A rename: that person is read again, the others are kept as they were.
    const named = before.find((p) => p.name !== null)!;
    people.name(named.id, 'Aaron Renamed');
    const renamed = people.list({ includeHidden: true });
    expect(renamed[0]).toMatchObject({ id: named.id, name: 'Aaron Renamed' });
    expect(renamed.filter((p) => p.id !== named.id).every((p) => before.includes(p))).toBe(true);
    expect(renamed).toEqual(directList(db));

    // A confirmation moving a face, and a merge (a person leaves the list).
    const [a, b] = renamed.filter((p) => p.name !== null);
    const faceOfB = db.prepare('SELECT face_id FROM face_assignments WHERE person_id = ? LIMIT 1').pluck().get(b!.id) as number;
    people.confirm(faceOfB, { personId: a!.id });
    expect(people.list({ includeHidden: true })).toEqual(directList(db));
    const unnamed = renamed.filter((p) => p.name === null);
    people.merge(a!.id, unnamed[0]!.id);
    const merged = people.list({ includeHidden: true });
    expect(merged.some((p) => p.id === unnamed[0]!.id)).toBe(false);
    expect(merged).toEqual(directList(db));

    // A new face in a new photo, grouped as after a scan: a copy of one of a's faces, so it joins a.
    const faceOfA = db.prepare("SELECT face_id FROM face_assignments WHERE person_id = ? AND status != 'suggested' LIMIT 1").pluck().get(a!.id) as number;
    const photo = Number(
      db
        .prepare("INSERT INTO photos (folder_id, path, size, mtime_ms, captured_at, indexed_at) SELECT folder_id, '/synthetic/new.jpg', 1, 1, '2030-01-01T00:00:00', 'now' FROM photos LIMIT 1")
        .run().lastInsertRowid,
    );
    db.prepare(
      `INSERT INTO faces (photo_id, x1, y1, x2, y2, landmarks, score, quality, quality_parts, embedding, detector_id, recognizer_id)
       SELECT ?, x1, y1, x2, y2, landmarks, score, quality, quality_parts, embedding, detector_id, recognizer_id FROM faces WHERE id = ?`,
    ).run(photo, faceOfA);
    const faceCountOfA = people.list({ includeHidden: true }).find((p) => p.id === a!.id)!.faceCount;
    expect(people.groupNewFaces().assigned).toBe(1);
    const grown = people.list({ includeHidden: true });
    expect(grown.find((p) => p.id === a!.id)).toMatchObject({ faceCount: faceCountOfA + 1, lastSeen: { at: '2030-01-01T00:00:00', file: '/synthetic/new.jpg' } });
    expect(grown).toEqual(directList(db));
  });

  it('shows in its people list what another connection changed', () => {
    const other = openLibraryDatabase(file);
    try {
      const elsewhere = new PeopleService(other);
      const person = people.list().find((p) => p.name === null)!;
      elsewhere.name(person.id, 'Named Elsewhere');
      expect(people.list().find((p) => p.id === person.id)?.name).toBe('Named Elsewhere');
      elsewhere.hide(person.id);
      expect(people.list().some((p) => p.id === person.id)).toBe(false);
      expect(people.list({ includeHidden: true })).toEqual(directList(db));
    } finally {
      other.close();
    }
  });

  it('pages a person page and keeps the total', () => {
    const biggest = people.list().filter((p) => p.name !== null).sort((x, y) => y.faceCount - x.faceCount)[0]!;
    const all = people.details(biggest.id);
    expect(all.faces).toHaveLength(biggest.faceCount);
    const page = people.details(biggest.id, { facesOffset: 5, facesLimit: 10 });
    expect(page.faces).toEqual(all.faces.slice(5, 15));
    expect(page.faceCount).toBe(biggest.faceCount);
    expect(page.bestPerYear.length).toBeGreaterThan(0);
  });
});
