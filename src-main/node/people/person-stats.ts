import type { BestOfYear, SeenAt } from '../../common/people.js';
import type { LibraryDatabase } from '../store/database.js';

/** Above this many stale people, their figures come from one pass over all assignments, not one query each. */
const BULK_STATS = 200;

/** SQLite's BINARY order of two strings (their UTF-8 bytes), which JavaScript's order only differs from past U+D7FF. */
function binaryCompare(a: string, b: string): number {
  if (/[\uD800-\uFFFF]/.test(a) || /[\uD800-\uFFFF]/.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Face {
  readonly id: number;
  readonly quality: number;
  readonly at: string | null;
  readonly source: SeenAt['source'] | null;
  readonly path: string;
  readonly sharpness: number | null;
}

type FaceRow = [personId: number, id: number, photoId: number, quality: number, at: string | null, source: SeenAt['source'] | null, path: string, sharpness: number | null];

// INDEXED BY faces_for_people: the planner would rather read each face's own row, whose embedding makes it a page
// of its own; the index holds what is read here of a face, a hundred faces a page.
const FACES_SQL = `SELECT a.person_id, f.id, f.photo_id, f.quality, p.captured_at, p.capture_source, p.path, p.sharpness
  FROM face_assignments a JOIN faces f INDEXED BY faces_for_people ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id`;

/** First seen: earliest capture time, ties to the first path (SQLite's order of the same columns). */
const seenBefore = (a: Face, b: Face): boolean => {
  const at = binaryCompare(a.at!, b.at!);
  return at < 0 || (at === 0 && binaryCompare(a.path, b.path) < 0);
};

/** Best face: highest face quality, ties broken by the photo's own sharpness, then the older face. */
const better = (a: Face, b: Face): boolean =>
  a.quality !== b.quality
    ? a.quality > b.quality
    : (a.sharpness ?? -Infinity) !== (b.sharpness ?? -Infinity)
      ? (a.sharpness ?? -Infinity) > (b.sharpness ?? -Infinity)
      : a.id < b.id;

/** One person's figures, built up one face at a time. */
class Figures {
  faces = 0;
  readonly photos = new Set<number>();
  first: Face | null = null;
  last: Face | null = null;
  best: Face | null = null;
  readonly years = new Map<string, Face>();

  add(face: Face, photoId: number): void {
    this.faces++;
    this.photos.add(photoId);
    if (!this.best || better(face, this.best)) this.best = face;
    if (face.at === null) return;
    if (!this.first || seenBefore(face, this.first)) this.first = face;
    if (!this.last || seenBefore(this.last, face)) this.last = face;
    const year = face.at.slice(0, 4);
    const yearBest = this.years.get(year);
    if (!yearBest || better(face, yearBest)) this.years.set(year, face);
  }

  bestPerYear(): BestOfYear[] {
    return [...this.years]
      .map(([year, face]) => ({ year: Number.parseInt(year, 10), faceId: face.id, file: face.path }))
      .sort((a, b) => a.year - b.year);
  }
}

/**
 * The people cache (person_stats): what the people pages show about each person (counts, first and last seen,
 * best face, best face of each year), recomputed for the people that the triggers of migration 4 marked stale.
 */
export class PersonStats {
  constructor(private readonly db: LibraryDatabase) {}

  /** Brings the cache up to date: for `personId`, or for every stale person and any person without figures. */
  refresh(personId?: number): void {
    const stale =
      personId === undefined
        ? (this.db
            .prepare(
              `SELECT person_id FROM person_stats_stale
               UNION SELECT id FROM people WHERE (SELECT count(*) FROM people) > (SELECT count(*) FROM person_stats)
                 AND NOT EXISTS (SELECT 1 FROM person_stats s WHERE s.person_id = people.id)`,
            )
            .pluck()
            .all() as number[])
        : (this.db
            .prepare(
              `SELECT @id WHERE EXISTS (SELECT 1 FROM person_stats_stale WHERE person_id = @id)
                 OR NOT EXISTS (SELECT 1 FROM person_stats WHERE person_id = @id)`,
            )
            .pluck()
            .all({ id: personId }) as number[]);
    if (stale.length > 0) this.recompute(stale);
  }

  bestPerYear(personId: number): BestOfYear[] {
    const json = this.db.prepare('SELECT best_per_year FROM person_stats WHERE person_id = ?').pluck().get(personId) as string | undefined;
    return json === undefined ? [] : (JSON.parse(json) as BestOfYear[]);
  }

  /** Computes the figures of `ids` in one pass over their faces (over every assignment when they are many). */
  private recompute(ids: readonly number[]): void {
    const db = this.db;
    const figures = new Map<number, Figures>(ids.map((id) => [id, new Figures()]));
    const add = (rows: Iterable<FaceRow>): void => {
      for (const [personId, id, photoId, quality, at, source, path, sharpness] of rows) {
        figures.get(personId)?.add({ id, quality, at, source, path, sharpness }, photoId);
      }
    };
    // IMMEDIATE: no other connection writes between the faces read here and the figures written from them.
    db.transaction(() => {
      if (ids.length > BULK_STATS) add(db.prepare(FACES_SQL).raw().iterate() as IterableIterator<FaceRow>);
      else {
        const ofPerson = db.prepare(`${FACES_SQL} WHERE a.person_id = ?`).raw();
        for (const id of ids) add(ofPerson.iterate(id) as IterableIterator<FaceRow>);
      }
      const existing = db.prepare('SELECT 1 FROM people WHERE id = ?').pluck();
      const write = db.prepare(
        `INSERT OR REPLACE INTO person_stats (person_id, face_count, photo_count, first_at, first_source, first_path,
           last_at, last_source, last_path, best_face_id, best_path, best_per_year) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const drop = db.prepare('DELETE FROM person_stats WHERE person_id = ?');
      const done = db.prepare('DELETE FROM person_stats_stale WHERE person_id = ?');
      for (const [personId, f] of figures) {
        done.run(personId);
        if (existing.get(personId) === undefined) {
          drop.run(personId);
          continue;
        }
        write.run(personId, f.faces, f.photos.size, f.first?.at ?? null, f.first?.source ?? null, f.first?.path ?? null, f.last?.at ?? null, f.last?.source ?? null, f.last?.path ?? null, f.best?.id ?? null, f.best?.path ?? null, JSON.stringify(f.bestPerYear()));
      }
    }).immediate();
  }
}
