import type { FaceQualityParts } from '../../common/face.js';
import type { Box } from '../../common/geometry.js';
import type { AssignmentStatus } from '../../common/people.js';
import type { LibraryDatabase } from './database.js';
import { blobToFloats } from './embedding-blob.js';

export interface FaceForGrouping {
  readonly id: number;
  readonly photoId: number;
  readonly quality: number;
  readonly parts: FaceQualityParts;
  readonly embedding: Float32Array;
}

export interface Assignment {
  readonly faceId: number;
  readonly personId: number;
  readonly status: AssignmentStatus;
  readonly confidence: number;
  readonly runnerUpPersonId: number | null;
  readonly runnerUpConfidence: number | null;
}

export interface PersonRow {
  readonly id: number;
  readonly name: string | null;
  readonly hidden: boolean;
  readonly coverFaceId: number | null;
}

interface RawFace {
  id: number;
  photo_id: number;
  quality: number;
  quality_parts: string;
  embedding: Buffer;
}

const toFace = (r: RawFace): FaceForGrouping => ({
  id: r.id,
  photoId: r.photo_id,
  quality: r.quality,
  parts: JSON.parse(r.quality_parts) as FaceQualityParts,
  embedding: blobToFloats(r.embedding),
});

interface RawPerson {
  id: number;
  name: string | null;
  hidden: number;
  cover_face_id: number | null;
}

const toPerson = (r: RawPerson): PersonRow => ({ id: r.id, name: r.name, hidden: r.hidden === 1, coverFaceId: r.cover_face_id });

/** All SQL about people, assignments and the user's decisions. */
export class PeopleRepository {
  constructor(readonly db: LibraryDatabase) {}

  /** Faces the grouping has not considered yet, not marked "not a face". */
  ungroupedFaces(): FaceForGrouping[] {
    return (
      this.db
        .prepare(
          `SELECT f.id, f.photo_id, f.quality, f.quality_parts, f.embedding FROM faces f
           WHERE f.id NOT IN (SELECT face_id FROM grouped_faces) AND f.id NOT IN (SELECT face_id FROM not_faces)
             AND f.id NOT IN (SELECT face_id FROM face_assignments)`,
        )
        .all() as RawFace[]
    ).map(toFace);
  }

  /** How many faces sureFaces gives. */
  sureFaceCount(): number {
    return this.db.prepare("SELECT count(*) FROM face_assignments WHERE status != 'suggested'").pluck().get() as number;
  }

  /**
   * Faces assigned to a person for sure (auto or confirmed: those that may stand as references), one row at a time,
   * so that a million of them are never in memory together. The connection is busy until the iteration ends.
   */
  *sureFaces(): Generator<FaceForGrouping & { personId: number; status: AssignmentStatus }> {
    const rows = this.db
      .prepare(
        `SELECT f.id, f.photo_id, f.quality, f.quality_parts, f.embedding, a.person_id, a.status
         FROM face_assignments a JOIN faces f ON f.id = a.face_id WHERE a.status != 'suggested'`,
      )
      .iterate() as IterableIterator<RawFace & { person_id: number; status: AssignmentStatus }>;
    for (const r of rows) yield { ...toFace(r), personId: r.person_id, status: r.status };
  }

  face(faceId: number): (FaceForGrouping & { file: string; box: Box }) | undefined {
    const r = this.db
      .prepare(
        `SELECT f.id, f.photo_id, f.quality, f.quality_parts, f.embedding, f.x1, f.y1, f.x2, f.y2, p.path
         FROM faces f JOIN photos p ON p.id = f.photo_id WHERE f.id = ?`,
      )
      .get(faceId) as (RawFace & { x1: number; y1: number; x2: number; y2: number; path: string }) | undefined;
    return r && { ...toFace(r), file: r.path, box: [r.x1, r.y1, r.x2, r.y2] };
  }

  markGrouped(faceId: number): void {
    this.db.prepare('INSERT OR IGNORE INTO grouped_faces (face_id) VALUES (?)').run(faceId);
  }

  createPerson(name: string | null = null): number {
    return Number(
      this.db.prepare('INSERT INTO people (name, created_at) VALUES (?, ?)').run(name, new Date().toISOString()).lastInsertRowid,
    );
  }

  person(personId: number): PersonRow | undefined {
    const r = this.db.prepare('SELECT id, name, hidden, cover_face_id FROM people WHERE id = ?').get(personId) as RawPerson | undefined;
    return r && toPerson(r);
  }

  personByName(name: string): PersonRow | undefined {
    const r = this.db
      .prepare('SELECT id, name, hidden, cover_face_id FROM people WHERE name = ? COLLATE NOCASE ORDER BY id LIMIT 1')
      .get(name) as RawPerson | undefined;
    return r && toPerson(r);
  }

  people(): PersonRow[] {
    return (this.db.prepare('SELECT id, name, hidden, cover_face_id FROM people ORDER BY id').all() as RawPerson[]).map(toPerson);
  }

  setName(personId: number, name: string | null): void {
    this.db.prepare('UPDATE people SET name = ? WHERE id = ?').run(name, personId);
  }

  setHidden(personId: number, hidden: boolean): void {
    this.db.prepare('UPDATE people SET hidden = ? WHERE id = ?').run(hidden ? 1 : 0, personId);
  }

  setCover(personId: number, faceId: number | null): void {
    this.db.prepare('UPDATE people SET cover_face_id = ? WHERE id = ?').run(faceId, personId);
  }

  deletePerson(personId: number): void {
    this.db.prepare('DELETE FROM people WHERE id = ?').run(personId);
  }

  assignment(faceId: number): Assignment | undefined {
    const r = this.db.prepare('SELECT * FROM face_assignments WHERE face_id = ?').get(faceId) as
      | { face_id: number; person_id: number; status: AssignmentStatus; confidence: number; runner_up_person_id: number | null; runner_up_confidence: number | null }
      | undefined;
    return (
      r && {
        faceId: r.face_id,
        personId: r.person_id,
        status: r.status,
        confidence: r.confidence,
        runnerUpPersonId: r.runner_up_person_id,
        runnerUpConfidence: r.runner_up_confidence,
      }
    );
  }

  assign(a: Assignment): void {
    this.db
      .prepare(
        `INSERT INTO face_assignments (face_id, person_id, status, confidence, runner_up_person_id, runner_up_confidence)
         VALUES (@faceId, @personId, @status, @confidence, @runnerUpPersonId, @runnerUpConfidence)
         ON CONFLICT(face_id) DO UPDATE SET person_id = excluded.person_id, status = excluded.status,
           confidence = excluded.confidence, runner_up_person_id = excluded.runner_up_person_id,
           runner_up_confidence = excluded.runner_up_confidence`,
      )
      .run(a);
  }

  /** Unassigns a face and lets the next grouping place it again. */
  release(faceId: number): void {
    this.unassign(faceId);
    this.db.prepare('DELETE FROM grouped_faces WHERE face_id = ?').run(faceId);
  }

  /** Unconfirmed faces of `personId` in the photo of `faceId`, other than it (they cannot be the same person). */
  unconfirmedRivals(faceId: number, personId: number): number[] {
    return this.db
      .prepare(
        `SELECT a.face_id FROM face_assignments a JOIN faces f ON f.id = a.face_id
         WHERE a.person_id = ? AND a.status != 'confirmed' AND a.face_id != ?
           AND f.photo_id = (SELECT photo_id FROM faces WHERE id = ?)`,
      )
      .pluck()
      .all(personId, faceId, faceId) as number[];
  }

  /** Faces of `from` that the user rejected for `to`. */
  facesRejectedFor(from: number, to: number): number[] {
    return this.db
      .prepare('SELECT a.face_id FROM face_assignments a JOIN face_rejections r ON r.face_id = a.face_id WHERE a.person_id = ? AND r.person_id = ?')
      .pluck()
      .all(from, to) as number[];
  }

  unassign(faceId: number): void {
    this.db.prepare('DELETE FROM face_assignments WHERE face_id = ?').run(faceId);
  }

  assignmentsOf(personId: number): Assignment[] {
    return (
      this.db.prepare('SELECT face_id FROM face_assignments WHERE person_id = ? ORDER BY face_id').pluck().all(personId) as number[]
    ).map((id) => this.assignment(id)!);
  }

  /** Moves all of `from`'s faces, rejections and runner-up mentions to `to`. */
  reassignAll(from: number, to: number): void {
    this.db.prepare('UPDATE face_assignments SET person_id = ? WHERE person_id = ?').run(to, from);
    this.db.prepare('UPDATE face_assignments SET runner_up_person_id = NULL, runner_up_confidence = NULL WHERE runner_up_person_id = ?').run(from);
    // A face of `from` whose runner-up was `to` is now `to`'s: a person is never their own face's runner-up.
    this.db.prepare('UPDATE face_assignments SET runner_up_person_id = NULL, runner_up_confidence = NULL WHERE person_id = ? AND runner_up_person_id = ?').run(to, to);
    this.db.prepare('INSERT OR IGNORE INTO face_rejections (face_id, person_id) SELECT face_id, ? FROM face_rejections WHERE person_id = ?').run(to, from);
    this.db.prepare('DELETE FROM face_rejections WHERE person_id = ?').run(from);
  }

  reject(faceId: number, personId: number): void {
    this.db.prepare('INSERT OR IGNORE INTO face_rejections (face_id, person_id) VALUES (?, ?)').run(faceId, personId);
  }

  rejectedPeople(faceId: number): Set<number> {
    return new Set(this.db.prepare('SELECT person_id FROM face_rejections WHERE face_id = ?').pluck().all(faceId) as number[]);
  }

  markNotAFace(faceId: number): void {
    this.db.prepare('INSERT OR IGNORE INTO not_faces (face_id) VALUES (?)').run(faceId);
  }

  /** Persons with an assigned face in a photo (the cannot-link constraint). */
  peopleInPhoto(photoId: number, exceptFaceId: number): Set<number> {
    return new Set(
      this.db
        .prepare('SELECT a.person_id FROM face_assignments a JOIN faces f ON f.id = a.face_id WHERE f.photo_id = ? AND f.id != ?')
        .pluck()
        .all(photoId, exceptFaceId) as number[],
    );
  }

  /** Removes people left without any face (except named ones, which the user made). */
  deleteEmptyUnnamedPeople(): void {
    this.db.prepare('DELETE FROM people WHERE name IS NULL AND id NOT IN (SELECT person_id FROM face_assignments)').run();
  }
}
