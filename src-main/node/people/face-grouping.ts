import type { GroupingSettings } from '../../common/model-manifest.js';
import { confidenceOf, groupLink, isTrustedFace, ReferenceIndex, type Candidate, type ReferenceIndexOptions } from '../../common/grouping.js';
import type { AssignmentStatus } from '../../common/people.js';
import type { FaceForGrouping, PeopleRepository } from '../store/people.repository.js';

export interface GroupingResult {
  /** Faces considered. */
  faces: number;
  /** Faces that joined or were suggested for a person. */
  assigned: number;
  /** New (unnamed) people started by a face unlike everyone known. */
  newPeople: number;
  /** Groups found to be one person and merged. */
  merged: number;
}

/** Candidates are looked at up to this far beyond the largest threshold. */
const CANDIDATE_MARGIN = 0.15;

/**
 * Incremental grouping: each new face is compared with the people's reference faces (not the whole library
 * re-clustered) and joins the nearest person whose link (mean distance to their k nearest references) is under
 * the assign threshold; a trusted face unlike everyone starts a new person; then groups that the face brought
 * together closer than the merge threshold are merged (average-linkage, built up one face at a time).
 * Constraints are part of the search: a person already in the face's photo, or one the user rejected for this
 * face, is never a candidate; confirmed faces are never moved.
 */
export class FaceGrouping {
  private readonly index: ReferenceIndex;
  private readonly named = new Map<number, boolean>();
  private readonly cutoff: number;

  constructor(
    private readonly repo: PeopleRepository,
    private readonly settings: GroupingSettings,
    private readonly autoConfidence: number,
    dimension: number,
    indexOptions: ReferenceIndexOptions = {},
  ) {
    // Room for the library's references and a scan's worth of new ones, so that the index rarely grows (a copy).
    this.index = new ReferenceIndex(dimension, repo.sureFaceCount() + 1024, indexOptions);
    this.cutoff = Math.max(settings.assign, settings.merge, settings.suggest) + CANDIDATE_MARGIN;
    for (const person of repo.people()) this.named.set(person.id, person.name !== null);
    for (const face of repo.sureFaces()) {
      if (this.isReference(face, face.status)) this.index.add(face.id, face.personId, face.photoId, face.embedding);
    }
  }

  /** How many references the index holds, and its bytes (for the benchmarks). */
  get references(): { readonly size: number; readonly bytes: number } {
    return this.index;
  }

  private isReference(face: FaceForGrouping, status: AssignmentStatus): boolean {
    return status !== 'suggested' && isTrustedFace(face.parts, this.settings);
  }

  private statusFor(confidence: number): AssignmentStatus {
    return confidence >= this.autoConfidence ? 'auto' : 'suggested';
  }

  /** Groups every face not considered yet, best faces first (they make the best seeds). */
  groupNewFaces(): GroupingResult {
    const result: GroupingResult = { faces: 0, assigned: 0, newPeople: 0, merged: 0 };
    const faces = this.repo.ungroupedFaces().sort((a, b) => b.quality - a.quality);
    this.repo.db.transaction(() => {
      for (const face of faces) {
        this.place(face, result);
        this.repo.markGrouped(face.id);
      }
      this.repo.deleteEmptyUnnamedPeople();
    })();
    result.faces = faces.length;
    return result;
  }

  /** People this face may be: not rejected for it, not already in its photo; best first. */
  candidatesFor(face: FaceForGrouping): Candidate[] {
    const rejected = this.repo.rejectedPeople(face.id);
    const inPhoto = this.repo.peopleInPhoto(face.photoId, face.id);
    return this.index
      .candidates(face.embedding, this.settings.neighbours, this.cutoff)
      .filter((c) => !rejected.has(c.personId) && !inPhoto.has(c.personId));
  }

  /** Decides where one unassigned face goes, and records it. */
  place(face: FaceForGrouping, result: GroupingResult = { faces: 0, assigned: 0, newPeople: 0, merged: 0 }): void {
    const candidates = this.candidatesFor(face);
    const [best, second] = candidates;
    const trusted = isTrustedFace(face.parts, this.settings);
    const runnerUp = second ? { runnerUpPersonId: second.personId, runnerUpConfidence: confidenceOf(second.link, this.settings) } : { runnerUpPersonId: null, runnerUpConfidence: null };
    if (best && best.link < this.settings.assign) {
      const confidence = confidenceOf(best.link, this.settings);
      const status = this.statusFor(confidence);
      this.repo.assign({ faceId: face.id, personId: best.personId, status, confidence, ...runnerUp });
      result.assigned++;
      if (this.isReference(face, status)) {
        this.index.add(face.id, best.personId, face.photoId, face.embedding);
        result.merged += this.mergeAround(best.personId, candidates);
      }
      return;
    }
    if (best && best.link < this.settings.suggest && this.named.get(best.personId)) {
      const confidence = confidenceOf(best.link, this.settings);
      this.repo.assign({ faceId: face.id, personId: best.personId, status: 'suggested', confidence, ...runnerUp });
      result.assigned++;
      return;
    }
    if (!trusted) return;
    const personId = this.repo.createPerson();
    this.named.set(personId, false);
    this.repo.assign({ faceId: face.id, personId, status: 'auto', confidence: 1, ...runnerUp });
    this.index.add(face.id, personId, face.photoId, face.embedding);
    result.newPeople++;
    result.merged += this.mergeAround(personId, candidates);
  }

  /**
   * After `personId` gained a reference, merges into it the nearby groups (the face's other candidates) whose
   * group link is under the merge threshold. Two people the user made (named, or holding a confirmed face) are
   * never merged (that is the user's call), nor two groups that share a photo, nor two where a face of one was
   * rejected for the other.
   */
  private mergeAround(personId: number, candidates: readonly Candidate[]): number {
    let merged = 0;
    let target = personId;
    for (const candidate of candidates) {
      if (candidate.personId === target || candidate.link >= this.settings.merge + CANDIDATE_MARGIN) continue;
      const other = candidate.personId;
      // A person the user made (named, or with a face the user confirmed) is never merged into another.
      const targetIsUsers = this.isUsers(target);
      const otherIsUsers = this.isUsers(other);
      if (targetIsUsers && otherIsUsers) continue;
      const a = this.index.referencesOf(target);
      const b = this.index.referencesOf(other);
      if (a.length === 0 || b.length === 0) continue;
      if (groupLink(a, b, this.settings.neighbours) >= this.settings.merge) continue;
      if (this.sharePhoto(target, other) || this.rejectedBetween(target, other)) continue;
      // The user's person (if any) survives; otherwise the older group.
      const [keep, drop] = otherIsUsers || (!targetIsUsers && other < target) ? [other, target] : [target, other];
      this.repo.reassignAll(drop, keep);
      this.repo.deletePerson(drop);
      this.index.relabel(drop, keep);
      this.named.delete(drop);
      target = keep;
      merged++;
    }
    return merged;
  }

  /** Named, or holding a face the user confirmed: its faces are locked to it. */
  private isUsers(personId: number): boolean {
    if (this.named.get(personId)) return true;
    return this.repo.db.prepare("SELECT 1 FROM face_assignments WHERE person_id = ? AND status = 'confirmed' LIMIT 1").get(personId) !== undefined;
  }

  /** Whether a face of one was rejected by the user for the other (a merge would put it back there). */
  private rejectedBetween(a: number, b: number): boolean {
    return (
      this.repo.db
        .prepare(
          `SELECT 1 FROM face_rejections r JOIN face_assignments x ON x.face_id = r.face_id
           WHERE (x.person_id = ? AND r.person_id = ?) OR (x.person_id = ? AND r.person_id = ?) LIMIT 1`,
        )
        .get(a, b, b, a) !== undefined
    );
  }

  private sharePhoto(a: number, b: number): boolean {
    const photosOfA = new Set(
      this.repo.db
        .prepare('SELECT f.photo_id FROM face_assignments x JOIN faces f ON f.id = x.face_id WHERE x.person_id = ?')
        .pluck()
        .all(a) as number[],
    );
    return (
      this.repo.db
        .prepare('SELECT f.photo_id FROM face_assignments x JOIN faces f ON f.id = x.face_id WHERE x.person_id = ?')
        .pluck()
        .all(b) as number[]
    ).some((p) => photosOfA.has(p));
  }

  /** Keeps the index in step with a user's decision. */
  forgetFace(faceId: number): void {
    this.index.removeFace(faceId);
  }

  addReference(face: FaceForGrouping, personId: number): void {
    if (isTrustedFace(face.parts, this.settings)) this.index.add(face.id, personId, face.photoId, face.embedding);
  }

  setNamed(personId: number, named: boolean): void {
    this.named.set(personId, named);
  }
}
