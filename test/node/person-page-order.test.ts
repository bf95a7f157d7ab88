import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSyntheticLibrary } from '../../bench/library-scale.js';
import { FacetagCore } from '../../src-main/node/api/facetag-core.js';
import { openLibraryDatabase, type LibraryDatabase } from '../../src-main/node/store/database.js';
import { MIGRATIONS } from '../../src-main/node/store/migrations.js';
import { makeTempDir, type TempDir } from '../support/library-fixtures.js';

/**
 * A person page reads its faces and photos through an index on the assignments' copy of the photo's capture time
 * (migration 6): what it shows must equal the straightforward sort over the tables, whatever changed since.
 */

let temp: TempDir;
let core: FacetagCore;
let db: LibraryDatabase;

beforeAll(async () => {
  temp = await makeTempDir('person-page');
  const file = path.join(temp.dir, 'small.db');
  buildSyntheticLibrary(file, { photos: 300, faces: 3000, namedPeople: 6, unnamedPeople: 300, seed: 5 });
  core = new FacetagCore(file);
  db = core.library.db;
});

afterAll(async () => {
  await core?.close();
  await temp?.cleanup();
});

const CAPTURE_ORDER = 'ORDER BY p.captured_at IS NULL, p.captured_at, p.path';

function directFaces(personId: number): number[] {
  return db
    .prepare(
      `SELECT f.id FROM face_assignments a JOIN faces f ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id
       WHERE a.person_id = ? ${CAPTURE_ORDER}, f.id`,
    )
    .pluck()
    .all(personId) as number[];
}

function directPhotos(personId: number): number[] {
  return db
    .prepare(
      `SELECT p.id FROM photos p WHERE p.id IN
         (SELECT f.photo_id FROM face_assignments a JOIN faces f ON f.id = a.face_id WHERE a.person_id = ?) ${CAPTURE_ORDER}`,
    )
    .pluck()
    .all(personId) as number[];
}

async function shownFaces(personId: number): Promise<number[]> {
  return (await core.handle('people.get', { personId, facesLimit: 100_000 })).faces.map((f) => f.id);
}

async function shownPhotos(personId: number, pageSize: number): Promise<{ total: number; ids: number[] }> {
  const ids: number[] = [];
  for (let offset = 0; ; offset += pageSize) {
    const page = await core.handle('photos.list', { offset, limit: pageSize, personId });
    ids.push(...page.photos.map((p) => p.id));
    if (page.photos.length < pageSize) return { total: page.total, ids };
  }
}

describe('a person page', () => {
  it('lists the faces and photos in capture order, undated last, page by page', async () => {
    const person = (await core.handle('people.list', {})).filter((p) => p.name !== null).sort((a, b) => b.faceCount - a.faceCount)[0]!;
    const photos = directPhotos(person.id);
    // Undated photos, a photo dated anew, and a second face of the person in one photo (a photo is listed once).
    db.prepare('UPDATE photos SET captured_at = NULL WHERE id IN (?, ?)').run(photos[3], photos[10]);
    db.prepare("UPDATE photos SET captured_at = '1990-05-05T05:05:05' WHERE id = ?").run(photos[20]);
    const second = db
      .prepare('SELECT f.id FROM faces f WHERE f.photo_id = ? AND f.id NOT IN (SELECT face_id FROM face_assignments a WHERE a.person_id = ?) LIMIT 1')
      .pluck()
      .get(photos[5], person.id) as number;
    db.prepare('DELETE FROM face_assignments WHERE face_id = ?').run(second);
    db.prepare("INSERT INTO face_assignments (face_id, person_id, status, confidence) VALUES (?, ?, 'confirmed', 1)").run(second, person.id);

    expect(await shownFaces(person.id)).toEqual(directFaces(person.id));
    const shown = await shownPhotos(person.id, 7);
    expect(shown.ids).toEqual(directPhotos(person.id));
    expect(shown.total).toBe(shown.ids.length);
    expect(shown.ids[0]).toBe(photos[20]);
    expect(shown.ids.slice(-2).sort()).toEqual([photos[3], photos[10]].sort());
    const page = await core.handle('people.get', { personId: person.id, facesOffset: 5, facesLimit: 10 });
    expect(page.faces.map((f) => f.id)).toEqual(directFaces(person.id).slice(5, 15));
  });

  it('keeps the order through confirmations, moves and their undo', async () => {
    const [a, b] = (await core.handle('people.list', {})).filter((p) => p.name !== null);
    const faceOfB = db.prepare('SELECT face_id FROM face_assignments WHERE person_id = ? LIMIT 1').pluck().get(b!.id) as number;
    await core.handle('faces.move', { faceId: faceOfB, personId: a!.id });
    db.prepare("UPDATE photos SET captured_at = '2031-01-01T00:00:00' WHERE id = (SELECT photo_id FROM faces WHERE id = ?)").run(faceOfB);
    const faces = await shownFaces(a!.id);
    expect(faces).toEqual(directFaces(a!.id));
    expect(faces).toContain(faceOfB);
    await core.handle('history.undo', {});
    for (const person of [a!, b!]) {
      expect(await shownFaces(person.id)).toEqual(directFaces(person.id));
      expect((await shownPhotos(person.id, 50)).ids).toEqual(directPhotos(person.id));
    }
    const stale = db
      .prepare('SELECT count(*) FROM face_assignments a JOIN faces f ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id WHERE a.photo_captured_at IS NOT p.captured_at')
      .pluck()
      .get();
    expect(stale).toBe(0);
  });

  it('gets the capture time copied when a library is upgraded from schema 5', async () => {
    const file = path.join(temp.dir, 'v5.db');
    const old = openLibraryDatabase(file, MIGRATIONS.slice(0, 5));
    old.exec(`
      INSERT INTO folders (id, path, added_at) VALUES (1, '/p', 'x');
      INSERT INTO photos (id, folder_id, path, size, mtime_ms, captured_at, indexed_at) VALUES
        (1, 1, '/p/b.jpg', 1, 1, '2020-01-01T00:00:00', 'x'), (2, 1, '/p/a.jpg', 1, 1, NULL, 'x'), (3, 1, '/p/c.jpg', 1, 1, '2010-01-01T00:00:00', 'x');
      INSERT INTO faces (id, photo_id, x1, y1, x2, y2, landmarks, score, quality, quality_parts, embedding, detector_id, recognizer_id) VALUES
        (1, 1, 0, 0, 1, 1, x'', 1, 1, '{}', x'', 'd', 'r'), (2, 2, 0, 0, 1, 1, x'', 1, 1, '{}', x'', 'd', 'r'), (3, 3, 0, 0, 1, 1, x'', 1, 1, '{}', x'', 'd', 'r');
      INSERT INTO people (id, name, created_at) VALUES (1, 'Ann', 'x');
      INSERT INTO face_assignments (face_id, person_id, status, confidence) VALUES (1, 1, 'confirmed', 1), (2, 1, 'auto', 0.9), (3, 1, 'auto', 0.9);
    `);
    old.close();
    const upgraded = openLibraryDatabase(file);
    try {
      expect(upgraded.prepare('SELECT face_id, photo_captured_at FROM face_assignments ORDER BY face_id').raw().all()).toEqual([
        [1, '2020-01-01T00:00:00'],
        [2, null],
        [3, '2010-01-01T00:00:00'],
      ]);
      const order = upgraded
        .prepare('SELECT face_id FROM face_assignments INDEXED BY face_assignments_in_capture_order WHERE person_id = 1 ORDER BY photo_captured_at IS NULL, photo_captured_at')
        .pluck()
        .all();
      expect(order).toEqual([3, 1, 2]);
    } finally {
      upgraded.close();
    }
  });
});
