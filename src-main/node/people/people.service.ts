import type { Box } from '../../common/geometry.js';
import type { GroupingSettings } from '../../common/model-manifest.js';
import type { AssignmentStatus, BestOfYear, PersonDetails, PersonFace, PersonSummary, ReviewItem, SeenAt } from '../../common/people.js';
import { findRecognizerModel } from '../models/model-store.js';
import type { LibraryDatabase } from '../store/database.js';
import { loadPhoto } from '../image/load-image.js';
import { LibraryRepository } from '../store/library.repository.js';
import { PeopleRepository } from '../store/people.repository.js';
import { FacePipeline, WORKING_MAX_SIDE } from '../vision/face-pipeline.js';
import { UndoRecorder } from '../store/undo-recorder.js';
import { SidecarAutoWriter } from '../interop/sidecar-auto-writer.js';
import { FaceGrouping, type GroupingResult } from './face-grouping.js';

interface PersonStatsRow {
  id: number;
  name: string | null;
  hidden: number;
  cover_face_id: number | null;
  face_count: number;
  photo_count: number;
  first_at: string | null;
  first_source: SeenAt['source'] | null;
  first_path: string | null;
  last_at: string | null;
  last_source: SeenAt['source'] | null;
  last_path: string | null;
  best_face_id: number | null;
  best_path: string | null;
}

const PERSON_STATS_SQL = `SELECT pe.id, pe.name, pe.hidden, pe.cover_face_id, s.face_count, s.photo_count, s.first_at, s.first_source,
  s.first_path, s.last_at, s.last_source, s.last_path, s.best_face_id, s.best_path
  FROM people pe JOIN person_stats s ON s.person_id = pe.id`;

/** Above this many stale people, the cache is refreshed in one pass over all assignments. */
const BULK_STATS = 200;

/** SQLite's BINARY order of two strings (their UTF-8 bytes), which JavaScript's order only differs from past U+D7FF. */
function binaryCompare(a: string, b: string): number {
  if (/[\uD800-\uFFFF]/.test(a) || /[\uD800-\uFFFF]/.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Above this confidence a face is tagged automatically (still distinguishable from a confirmed one). */
export const DEFAULT_AUTO_CONFIDENCE = 0.8;

export class PeopleError extends Error {
  override readonly name = 'PeopleError';
}

export interface PeopleServiceOptions {
  readonly recognizer?: string;
  readonly autoConfidence?: number;
  /** Opens the face pipeline, for faces drawn by hand (default: the manifest's default models). */
  readonly openPipeline?: () => Promise<FacePipeline>;
}

const AUTO_SETTING = 'people.autoConfidence';

/** People: grouping, the user's decisions (each undoable), and what the app shows about each person. */
export class PeopleService {
  readonly repo: PeopleRepository;
  private readonly undo: UndoRecorder;
  /** Writes the changed photos' XMP sidecars after each operation, when the user turned that on. */
  private readonly sidecars: SidecarAutoWriter;
  private readonly settings: GroupingSettings;
  private readonly dimension: number;
  private grouping: FaceGrouping | undefined;

  private readonly library: LibraryRepository;

  constructor(
    readonly db: LibraryDatabase,
    private readonly options: PeopleServiceOptions = {},
  ) {
    this.repo = new PeopleRepository(db);
    this.library = new LibraryRepository(db);
    this.undo = new UndoRecorder(db);
    this.sidecars = new SidecarAutoWriter(db);
    const recognizer = findRecognizerModel(options.recognizer);
    this.settings = recognizer.grouping;
    this.dimension = recognizer.recognizer.embeddingSize;
    if (options.autoConfidence !== undefined) this.setAutoConfidence(options.autoConfidence);
  }

  autoConfidence(): number {
    const stored = this.db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(AUTO_SETTING) as string | undefined;
    return stored === undefined ? DEFAULT_AUTO_CONFIDENCE : Number(stored);
  }

  setAutoConfidence(value: number): void {
    if (!(value > 0 && value <= 1)) throw new PeopleError(`the auto-tag confidence must be in (0, 1], not ${value}`);
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(AUTO_SETTING, String(value));
    this.grouping = undefined;
  }

  private engine(): FaceGrouping {
    this.grouping ??= new FaceGrouping(this.repo, this.settings, this.autoConfidence(), this.dimension);
    return this.grouping;
  }

  /** Groups the faces that arrived since the last run. Never touches a confirmed face or a user decision. */
  groupNewFaces(): GroupingResult {
    const result = this.engine().groupNewFaces();
    // The people it changed get their figures now (after a scan), not when someone next opens the people list.
    this.refreshStats();
    return result;
  }

  // ---- operations (each one undoable) --------------------------------------------------------------------------

  private requirePerson(personId: number): void {
    if (!this.repo.person(personId)) throw new PeopleError(`there is no person ${personId}`);
  }

  private requireFace(faceId: number): NonNullable<ReturnType<PeopleRepository['face']>> {
    const face = this.repo.face(faceId);
    if (!face) throw new PeopleError(`there is no face ${faceId}`);
    return face;
  }

  private afterChange(): void {
    // The in-memory index is rebuilt lazily from the database after any user decision.
    this.grouping = undefined;
    this.sidecars.flush();
  }

  private run<T>(description: string, change: () => T): T {
    const result = this.undo.record(description, () => {
      const value = change();
      // An unnamed group the operation emptied goes with it, inside the operation (so its undo brings it back;
      // left to the next grouping, the deletion would not be in the journal and the undo would fail).
      this.repo.deleteEmptyUnnamedPeople();
      return value;
    });
    this.afterChange();
    return result;
  }

  /** Names (or renames) a person. Naming one face's group names the person. */
  name(personId: number, name: string): void {
    const clean = name.trim();
    if (!clean) throw new PeopleError('a name cannot be empty');
    this.requirePerson(personId);
    this.run(`name person ${personId} "${clean}"`, () => this.repo.setName(personId, clean));
  }

  /** The person with this name, created if there is none. */
  private personNamed(name: string): number {
    const clean = name.trim();
    if (!clean) throw new PeopleError('a name cannot be empty');
    return this.repo.personByName(clean)?.id ?? this.repo.createPerson(clean);
  }

  /**
   * Confirms a face as a person (by id, or by name: the face's unnamed group takes the name, or the named person
   * is found or created).
   */
  confirm(faceId: number, target: { personId: number } | { name: string }): number {
    this.requireFace(faceId);
    return this.run(`confirm face ${faceId}`, () => this.confirmInTransaction(faceId, target));
  }

  private confirmInTransaction(faceId: number, target: { personId: number } | { name: string }): number {
    let personId: number;
    if ('personId' in target) {
      this.requirePerson(target.personId);
      personId = target.personId;
    } else {
      const current = this.repo.assignment(faceId);
      const group = current && this.repo.person(current.personId);
      const existing = this.repo.personByName(target.name.trim());
      if (group && group.name === null && !existing) {
        this.repo.setName(group.id, target.name.trim());
        personId = group.id;
      } else {
        personId = existing?.id ?? this.personNamed(target.name);
      }
    }
    this.confirmAs(faceId, personId);
    return personId;
  }

  /** Confirms a face as a person; the person's unconfirmed faces in the same photo are released (one face a photo). */
  private confirmAs(faceId: number, personId: number): void {
    this.repo.assign({ faceId, personId, status: 'confirmed', confidence: 1, runnerUpPersonId: null, runnerUpConfidence: null });
    for (const rival of this.repo.unconfirmedRivals(faceId, personId)) this.repo.release(rival);
  }

  /** Batch review: confirms each face as the person it is suggested for, as one operation. Returns how many. */
  confirmSuggestions(faceIds: readonly number[]): number {
    return this.run(`confirm ${faceIds.length} suggestion(s)`, () => {
      let confirmed = 0;
      for (const faceId of faceIds) {
        const current = this.repo.assignment(faceId);
        if (!current || current.status === 'confirmed') continue;
        this.confirmAs(faceId, current.personId);
        confirmed++;
      }
      return confirmed;
    });
  }

  /** "This face is not that person": it leaves the person and is never suggested for them again. */
  reject(faceId: number, personId: number): void {
    const face = this.requireFace(faceId);
    this.requirePerson(personId);
    this.run(`reject face ${faceId} for person ${personId}`, () => {
      this.repo.reject(faceId, personId);
      const current = this.repo.assignment(faceId);
      if (current?.personId === personId) {
        this.repo.unassign(faceId);
        const engine = new FaceGrouping(this.repo, this.settings, this.autoConfidence(), this.dimension);
        engine.place(face);
      }
    });
  }

  /** Moves a face to another person, confirmed (and rejected for the one it was taken from). */
  move(faceId: number, personId: number): void {
    this.requireFace(faceId);
    this.requirePerson(personId);
    this.run(`move face ${faceId} to person ${personId}`, () => {
      const current = this.repo.assignment(faceId);
      if (current && current.personId !== personId) this.repo.reject(faceId, current.personId);
      this.confirmAs(faceId, personId);
    });
  }

  /** Merges `other` into `personId`; the result keeps a name if either had one (the first's if both). */
  merge(personId: number, other: number): void {
    if (personId === other) throw new PeopleError('a person cannot be merged with themselves');
    this.requirePerson(personId);
    this.requirePerson(other);
    this.run(`merge person ${other} into ${personId}`, () => {
      const keep = this.repo.person(personId)!;
      const drop = this.repo.person(other)!;
      if (keep.name === null && drop.name !== null) this.repo.setName(personId, drop.name);
      if (keep.coverFaceId === null && drop.coverFaceId !== null) this.repo.setCover(personId, drop.coverFaceId);
      // A face the user said is not `personId` does not come along.
      for (const face of this.repo.facesRejectedFor(other, personId)) this.repo.release(face);
      this.repo.reassignAll(other, personId);
      this.repo.deletePerson(other);
    });
  }

  /**
   * Splits a person: their faces that are not confirmed are grouped again among themselves into new unnamed
   * people, for the user to merge back the right ones. Returns the new people's ids.
   */
  split(personId: number): number[] {
    this.requirePerson(personId);
    return this.run(`split person ${personId}`, () => {
      const loose = this.repo.assignmentsOf(personId).filter((a) => a.status !== 'confirmed');
      for (const a of loose) {
        this.repo.unassign(a.faceId);
        this.repo.reject(a.faceId, personId);
      }
      const before = new Set(this.repo.people().map((p) => p.id));
      const engine = new FaceGrouping(this.repo, this.settings, this.autoConfidence(), this.dimension);
      for (const a of loose) engine.place(this.repo.face(a.faceId)!);
      for (const a of loose) this.repo.db.prepare('DELETE FROM face_rejections WHERE face_id = ? AND person_id = ?').run(a.faceId, personId);
      return this.repo.people().map((p) => p.id).filter((id) => !before.has(id));
    });
  }

  hide(personId: number, hidden = true): void {
    this.requirePerson(personId);
    this.run(`${hidden ? 'hide' : 'show'} person ${personId}`, () => this.repo.setHidden(personId, hidden));
  }

  setCover(personId: number, faceId: number): void {
    this.requirePerson(personId);
    this.requireFace(faceId);
    if (this.repo.assignment(faceId)?.personId !== personId) throw new PeopleError(`face ${faceId} is not one of person ${personId}'s`);
    this.run(`set cover of person ${personId}`, () => this.repo.setCover(personId, faceId));
  }

  /** A detection that is not a face: kept so a re-scan does not bring it back, never grouped or shown. */
  markNotAFace(faceId: number): void {
    this.requireFace(faceId);
    this.run(`mark face ${faceId} as not a face`, () => {
      this.repo.unassign(faceId);
      this.repo.markNotAFace(faceId);
    });
  }

  /**
   * Adds a face the user drew (box in upright pixels of a library photo): it gets landmarks, an embedding and a
   * quality like any face, and is confirmed as the given person if one is given, else grouped.
   */
  async addFace(file: string, box: Box, target?: { personId: number } | { name: string }): Promise<number> {
    const photo = this.library.photoByPath(file);
    if (!photo) throw new PeopleError(`${file} is not in the library`);
    const [x1, y1, x2, y2] = box;
    if (!(x2 - x1 >= 4 && y2 - y1 >= 4)) throw new PeopleError('a face box must be at least 4 pixels wide and high');
    const pipeline = await (this.options.openPipeline ?? (() => FacePipeline.open({ recognizer: this.options.recognizer })))();
    let face;
    try {
      const decoded = await loadPhoto(file, { maxSide: WORKING_MAX_SIDE });
      if (x2 > decoded.width + 1 || y2 > decoded.height + 1 || x1 < -1 || y1 < -1) throw new PeopleError('the face box lies outside the photo');
      face = await pipeline.analyseRegion(decoded, box);
    } finally {
      if (!this.options.openPipeline) await pipeline.close();
    }
    const recognizerId = pipeline.recognizer.id;
    const faceId = this.run(`add a face to ${file}`, () => {
      const id = this.library.insertManualFace(photo.id, face, recognizerId);
      if (target) this.confirmInTransaction(id, target);
      return id;
    });
    if (!target) this.groupNewFaces();
    return faceId;
  }

  /** Reverts the last operation; returns what it was, or null when there is nothing to undo. */
  undoLast(): string | null {
    const description = this.sidecars.capturing(() => this.undo.undoLast());
    this.afterChange();
    return description;
  }

  // ---- what the app shows ----------------------------------------------------------------------------------------

  // INDEXED BY faces_for_people: the planner would rather read each face's own row, whose embedding makes it a
  // page of its own; the index holds what these queries read of a face, a hundred faces a page.

  /** A person's faces in capture order; `offset`/`limit` page through them (all by default). */
  private facesOf(personId: number, offset = 0, limit = -1): PersonFace[] {
    return (
      this.db
        .prepare(
          `SELECT f.id, p.path, f.x1, f.y1, f.x2, f.y2, a.status, a.confidence FROM face_assignments a
           JOIN faces f INDEXED BY faces_for_people ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id
           WHERE a.person_id = ? ORDER BY p.captured_at, p.path, f.id LIMIT ? OFFSET ?`,
        )
        .all(personId, limit, offset) as { id: number; path: string; x1: number; y1: number; x2: number; y2: number; status: AssignmentStatus; confidence: number }[]
    ).map((r) => ({ id: r.id, file: r.path, box: [r.x1, r.y1, r.x2, r.y2] as Box, status: r.status, confidence: r.confidence }));
  }

  private seen(personId: number, order: 'ASC' | 'DESC'): SeenAt | null {
    const r = this.db
      .prepare(
        `SELECT p.captured_at, p.capture_source, p.path FROM face_assignments a JOIN faces f INDEXED BY faces_for_people ON f.id = a.face_id
         JOIN photos p ON p.id = f.photo_id WHERE a.person_id = ? AND p.captured_at IS NOT NULL
         ORDER BY p.captured_at ${order}, p.path ${order} LIMIT 1`,
      )
      .get(personId) as { captured_at: string; capture_source: SeenAt['source']; path: string } | undefined;
    return r ? { at: r.captured_at, source: r.capture_source, file: r.path } : null;
  }

  /** Best face: highest face quality, ties broken by the photo's own sharpness. */
  private bestFace(personId: number): { faceId: number; file: string } | null {
    const r = this.db
      .prepare(
        `SELECT f.id, p.path FROM face_assignments a JOIN faces f INDEXED BY faces_for_people ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id
         WHERE a.person_id = ? ORDER BY f.quality DESC, p.sharpness DESC, f.id LIMIT 1`,
      )
      .get(personId) as { id: number; path: string } | undefined;
    return r ? { faceId: r.id, file: r.path } : null;
  }

  /** Recomputes the cached figures of one person (person_stats), or drops them when the person is gone. */
  private computeStats(personId: number): void {
    if (!this.repo.person(personId)) {
      this.db.prepare('DELETE FROM person_stats WHERE person_id = ?').run(personId);
      return;
    }
    const counts = this.db
      .prepare(
        `SELECT count(*) AS faces, count(DISTINCT f.photo_id) AS photos FROM face_assignments a JOIN faces f INDEXED BY faces_for_people ON f.id = a.face_id
         WHERE a.person_id = ?`,
      )
      .get(personId) as { faces: number; photos: number };
    const first = this.seen(personId, 'ASC');
    const last = this.seen(personId, 'DESC');
    const best = this.bestFace(personId);
    // Best face of each year the person was photographed.
    const bestPerYear = (
      this.db
        .prepare(
          `SELECT year, id, path FROM (
             SELECT CAST(substr(p.captured_at, 1, 4) AS INTEGER) AS year, f.id, p.path,
                    row_number() OVER (PARTITION BY substr(p.captured_at, 1, 4) ORDER BY f.quality DESC, p.sharpness DESC, f.id) AS rank
             FROM face_assignments a JOIN faces f INDEXED BY faces_for_people ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id
             WHERE a.person_id = ? AND p.captured_at IS NOT NULL)
           WHERE rank = 1 ORDER BY year`,
        )
        .all(personId) as { year: number; id: number; path: string }[]
    ).map((r): BestOfYear => ({ year: r.year, faceId: r.id, file: r.path }));
    this.db
      .prepare(
        `INSERT OR REPLACE INTO person_stats (person_id, face_count, photo_count, first_at, first_source, first_path,
           last_at, last_source, last_path, best_face_id, best_path, best_per_year) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(personId, counts.faces, counts.photos, first?.at ?? null, first?.source ?? null, first?.file ?? null, last?.at ?? null, last?.source ?? null, last?.file ?? null, best?.faceId ?? null, best?.file ?? null, JSON.stringify(bestPerYear));
  }

  /**
   * Brings the people cache up to date: the people the triggers marked (or all stale ones when `personId` is not
   * given), and any person that has no figures yet.
   */
  private refreshStats(personId?: number): void {
    const db = this.db;
    const stale =
      personId === undefined
        ? (db
            .prepare(
              `SELECT person_id FROM person_stats_stale
               UNION SELECT id FROM people WHERE NOT EXISTS (SELECT 1 FROM person_stats s WHERE s.person_id = people.id)`,
            )
            .pluck()
            .all() as number[])
        : (db
            .prepare(
              `SELECT @id WHERE EXISTS (SELECT 1 FROM person_stats_stale WHERE person_id = @id)
                 OR NOT EXISTS (SELECT 1 FROM person_stats WHERE person_id = @id)`,
            )
            .pluck()
            .all({ id: personId }) as number[]);
    if (stale.length === 0) return;
    if (stale.length > BULK_STATS) {
      this.bulkStats(stale);
      return;
    }
    db.transaction(() => {
      const done = db.prepare('DELETE FROM person_stats_stale WHERE person_id = ?');
      for (const id of stale) {
        this.computeStats(id);
        done.run(id);
      }
    })();
  }

  /**
   * Recomputes the figures of many people in one pass over every assignment (a library opened for the first time
   * since the cache exists, a big grouping): the same figures as computeStats, in the same orders.
   */
  private bulkStats(ids: readonly number[]): void {
    const db = this.db;
    const wanted = new Set(ids);
    interface Face {
      id: number;
      quality: number;
      at: string | null;
      source: SeenAt['source'] | null;
      path: string;
      sharpness: number | null;
    }
    interface Figures {
      faces: number;
      photos: Set<number>;
      first: Face | null;
      last: Face | null;
      best: Face | null;
      years: Map<string, Face>;
    }
    const seenBefore = (a: Face, b: Face): boolean => {
      const at = binaryCompare(a.at!, b.at!);
      return at < 0 || (at === 0 && binaryCompare(a.path, b.path) < 0);
    };
    const better = (a: Face, b: Face): boolean =>
      a.quality !== b.quality
        ? a.quality > b.quality
        : (a.sharpness ?? -Infinity) !== (b.sharpness ?? -Infinity)
          ? (a.sharpness ?? -Infinity) > (b.sharpness ?? -Infinity)
          : a.id < b.id;
    const figures = new Map<number, Figures>();
    const rows = db
      .prepare(
        `SELECT a.person_id, f.id, f.photo_id, f.quality, p.captured_at, p.capture_source, p.path, p.sharpness
         FROM face_assignments a JOIN faces f INDEXED BY faces_for_people ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id`,
      )
      .raw()
      .iterate() as IterableIterator<[number, number, number, number, string | null, SeenAt['source'] | null, string, number | null]>;
    for (const [personId, id, photoId, quality, at, source, path, sharpness] of rows) {
      if (!wanted.has(personId)) continue;
      let f = figures.get(personId);
      if (!f) figures.set(personId, (f = { faces: 0, photos: new Set(), first: null, last: null, best: null, years: new Map() }));
      const face: Face = { id, quality, at, source, path, sharpness };
      f.faces++;
      f.photos.add(photoId);
      if (!f.best || better(face, f.best)) f.best = face;
      if (at === null) continue;
      if (!f.first || seenBefore(face, f.first)) f.first = face;
      if (!f.last || seenBefore(f.last, face)) f.last = face;
      const year = at.slice(0, 4);
      const yearBest = f.years.get(year);
      if (!yearBest || better(face, yearBest)) f.years.set(year, face);
    }
    const existing = new Set(db.prepare('SELECT id FROM people').pluck().all() as number[]);
    db.transaction(() => {
      const write = db.prepare(
        `INSERT OR REPLACE INTO person_stats (person_id, face_count, photo_count, first_at, first_source, first_path,
           last_at, last_source, last_path, best_face_id, best_path, best_per_year) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const drop = db.prepare('DELETE FROM person_stats WHERE person_id = ?');
      const done = db.prepare('DELETE FROM person_stats_stale WHERE person_id = ?');
      for (const personId of ids) {
        done.run(personId);
        if (!existing.has(personId)) {
          drop.run(personId);
          continue;
        }
        const f = figures.get(personId);
        const years: BestOfYear[] = [...(f?.years ?? new Map<string, Face>())]
          .map(([year, face]) => ({ year: Number.parseInt(year, 10), faceId: face.id, file: face.path }))
          .sort((a, b) => a.year - b.year);
        write.run(personId, f?.faces ?? 0, f?.photos.size ?? 0, f?.first?.at ?? null, f?.first?.source ?? null, f?.first?.path ?? null, f?.last?.at ?? null, f?.last?.source ?? null, f?.last?.path ?? null, f?.best?.id ?? null, f?.best?.path ?? null, JSON.stringify(years));
      }
    })();
  }

  private static toSummary(r: PersonStatsRow): PersonSummary {
    return {
      id: r.id,
      name: r.name,
      hidden: r.hidden === 1,
      photoCount: r.photo_count,
      faceCount: r.face_count,
      firstSeen: r.first_at === null ? null : { at: r.first_at, source: r.first_source!, file: r.first_path! },
      lastSeen: r.last_at === null ? null : { at: r.last_at, source: r.last_source!, file: r.last_path! },
      bestPhoto: r.best_path,
      avatarFaceId: r.cover_face_id ?? r.best_face_id,
    };
  }

  summary(personId: number): PersonSummary {
    if (!this.repo.person(personId)) throw new PeopleError(`there is no person ${personId}`);
    this.refreshStats(personId);
    return PeopleService.toSummary(this.db.prepare(`${PERSON_STATS_SQL} WHERE pe.id = ?`).get(personId) as PersonStatsRow);
  }

  /**
   * A person's page. `faces` lists the person's faces in capture order, all of them by default, else the page
   * `facesOffset`, `facesLimit` of them (faceCount is always the total).
   */
  details(personId: number, page: { facesOffset?: number; facesLimit?: number } = {}): PersonDetails {
    const summary = this.summary(personId);
    const bestPerYear = JSON.parse(
      this.db.prepare('SELECT best_per_year FROM person_stats WHERE person_id = ?').pluck().get(personId) as string,
    ) as BestOfYear[];
    return { ...summary, faces: this.facesOf(personId, page.facesOffset ?? 0, page.facesLimit ?? -1), bestPerYear };
  }

  /** Named people first (by name), then unnamed groups, biggest first. */
  list(options: { includeHidden?: boolean } = {}): PersonSummary[] {
    // The same answer while nothing in the database changed (this connection's changes, or another's commit).
    const version = `${this.db.pragma('data_version', { simple: true })}:${this.totalChanges()}:${options.includeHidden ? 1 : 0}`;
    if (this.listMemo?.version === version) return [...this.listMemo.people];
    const people = this.computeList(options);
    this.listMemo = { version: `${this.db.pragma('data_version', { simple: true })}:${this.totalChanges()}:${options.includeHidden ? 1 : 0}`, people };
    return [...people];
  }

  private listMemo: { version: string; people: readonly PersonSummary[] } | undefined;

  private totalChanges(): number {
    return this.db.prepare('SELECT total_changes()').pluck().get() as number;
  }

  private computeList(options: { includeHidden?: boolean }): PersonSummary[] {
    this.refreshStats();
    const rows = this.db.prepare(`${PERSON_STATS_SQL} ${options.includeHidden ? '' : 'WHERE pe.hidden = 0'}`).all() as PersonStatsRow[];
    return rows.map(PeopleService.toSummary).sort((a, b) => {
      if ((a.name === null) !== (b.name === null)) return a.name === null ? 1 : -1;
      if (a.name !== null && b.name !== null) return a.name.localeCompare(b.name);
      return b.faceCount - a.faceCount || a.id - b.id;
    });
  }

  /** Faces that belong to no one (too doubtful to group, or unlike everyone and too poor to start a person). */
  unassigned(): { id: number; file: string; box: Box }[] {
    return (
      this.db
        .prepare(
          `SELECT f.id, p.path, f.x1, f.y1, f.x2, f.y2 FROM faces f JOIN photos p ON p.id = f.photo_id
           WHERE f.id NOT IN (SELECT face_id FROM face_assignments) AND f.id NOT IN (SELECT face_id FROM not_faces)
           ORDER BY p.path, f.id`,
        )
        .all() as { id: number; path: string; x1: number; y1: number; x2: number; y2: number }[]
    ).map((r) => ({ id: r.id, file: r.path, box: [r.x1, r.y1, r.x2, r.y2] as Box }));
  }

  /** The review queue: unconfirmed faces of named people, most doubtful first. */
  reviewQueue(limit = 100): ReviewItem[] {
    const rows = this.db
      .prepare(
        `SELECT a.face_id, p.path, f.x1, f.y1, f.x2, f.y2, a.person_id, pe.name, a.confidence,
                a.runner_up_person_id, ru.name AS runner_up_name, a.runner_up_confidence
         FROM face_assignments a JOIN faces f ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id
         JOIN people pe ON pe.id = a.person_id LEFT JOIN people ru ON ru.id = a.runner_up_person_id
         WHERE a.status != 'confirmed' AND pe.name IS NOT NULL AND pe.hidden = 0
         ORDER BY a.confidence ASC, a.face_id LIMIT ?`,
      )
      .all(limit) as {
      face_id: number;
      path: string;
      x1: number;
      y1: number;
      x2: number;
      y2: number;
      person_id: number;
      name: string | null;
      confidence: number;
      runner_up_person_id: number | null;
      runner_up_name: string | null;
      runner_up_confidence: number | null;
    }[];
    return rows.map((r) => ({
      faceId: r.face_id,
      file: r.path,
      box: [r.x1, r.y1, r.x2, r.y2],
      personId: r.person_id,
      personName: r.name,
      confidence: r.confidence,
      runnerUp:
        r.runner_up_person_id === null
          ? null
          : { personId: r.runner_up_person_id, personName: r.runner_up_name, confidence: r.runner_up_confidence ?? 0 },
    }));
  }
}
