import type { Box } from '../../common/geometry.js';
import type { GroupingSettings } from '../../common/model-manifest.js';
import type { AssignmentStatus, PersonDetails, PersonFace, PersonSummary, ReviewItem } from '../../common/people.js';
import { findRecognizerModel } from '../models/model-store.js';
import type { LibraryDatabase } from '../store/database.js';
import { loadPhoto } from '../image/load-image.js';
import { LibraryRepository } from '../store/library.repository.js';
import { PeopleRepository } from '../store/people.repository.js';
import { FacePipeline, WORKING_MAX_SIDE } from '../vision/face-pipeline.js';
import { UndoRecorder } from '../store/undo-recorder.js';
import { SidecarAutoWriter } from '../interop/sidecar-auto-writer.js';
import { FaceGrouping, type GroupingResult } from './face-grouping.js';
import { PeopleList, readSummary } from './people-list.js';
import { PersonStats } from './person-stats.js';

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
  private readonly stats: PersonStats;
  private readonly peopleList: PeopleList;

  constructor(
    readonly db: LibraryDatabase,
    private readonly options: PeopleServiceOptions = {},
  ) {
    this.repo = new PeopleRepository(db);
    this.library = new LibraryRepository(db);
    this.undo = new UndoRecorder(db);
    this.sidecars = new SidecarAutoWriter(db);
    this.stats = new PersonStats(db);
    this.peopleList = new PeopleList(db, () => this.stats.refresh());
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
    this.stats.refresh();
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

  /**
   * A person's faces in capture order (undated last); `offset`/`limit` page through them (all by default). The
   * index on the assignments' copy of the capture time gives them in order: a page reads its faces, not all.
   * (INDEXED BY faces_for_people: the slim copy of the faces, as in person-stats.ts.)
   */
  private facesOf(personId: number, offset = 0, limit = -1): PersonFace[] {
    return (
      this.db
        .prepare(
          `SELECT f.id, p.path, f.x1, f.y1, f.x2, f.y2, a.status, a.confidence FROM face_assignments a INDEXED BY face_assignments_in_capture_order
           JOIN faces f INDEXED BY faces_for_people ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id
           WHERE a.person_id = ? ORDER BY a.photo_captured_at IS NULL, a.photo_captured_at, p.path, f.id LIMIT ? OFFSET ?`,
        )
        .all(personId, limit, offset) as { id: number; path: string; x1: number; y1: number; x2: number; y2: number; status: AssignmentStatus; confidence: number }[]
    ).map((r) => ({ id: r.id, file: r.path, box: [r.x1, r.y1, r.x2, r.y2] as Box, status: r.status, confidence: r.confidence }));
  }

  summary(personId: number): PersonSummary {
    if (!this.repo.person(personId)) throw new PeopleError(`there is no person ${personId}`);
    this.stats.refresh(personId);
    return readSummary(this.db, personId)!;
  }

  /**
   * A person's page. `faces` lists the person's faces in capture order, all of them by default, else the page
   * `facesOffset`, `facesLimit` of them (faceCount is always the total).
   */
  details(personId: number, page: { facesOffset?: number; facesLimit?: number } = {}): PersonDetails {
    const summary = this.summary(personId);
    return { ...summary, faces: this.facesOf(personId, page.facesOffset ?? 0, page.facesLimit ?? -1), bestPerYear: this.stats.bestPerYear(personId) };
  }

  /** Named people first (by name), then unnamed groups, biggest first. */
  list(options: { includeHidden?: boolean } = {}): PersonSummary[] {
    return this.peopleList.list(options);
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
