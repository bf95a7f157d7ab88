import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../support/library-fixtures.js';
import {
  cloneLibrary,
  copyGroups,
  copyLabelled,
  dumpPeopleState,
  faceInfo,
  facesIn,
  IDENTITY_DIR,
  identityLabels,
  labelledFaces,
  openPeople,
  scanInto,
  scanOpen,
  writeDatedCopy,
  type FaceInfo,
  type LabelledPhoto,
  type OpenPeople,
  type PeopleState,
} from '../support/people-fixtures.js';

/**
 * The user's operations on a real library: identity/ scanned once (Katy Perry's photos as copies with known EXIF
 * capture dates), grouped; every test works on its own copy of that library.
 */

/** Capture times written into Katy Perry's copies (EXIF DateTimeOriginal, no offset), one per photo. */
const KATY_DATES = [
  '2011-04-02T10:00:00',
  '2013-06-15T12:30:00',
  '2013-09-01T08:00:00',
  '2014-01-20T18:45:00',
  '2016-07-04T20:00:00',
  '2016-12-24T19:00:00',
  '2018-03-03T09:15:00',
  '2019-11-11T11:11:11',
];

let temp: TempDir;
let labels: LabelledPhoto[];
let copies: string[];
let katyCopies: string[];
let libraryDir: string;
let datedDir: string;
let baseDb: string;

let handle: OpenPeople;
let copyNo = 0;

beforeAll(async () => {
  temp = await makeTempDir('people-ops');
  const all = await identityLabels();
  const katy = all.filter((l) => l.person === 'katy_perry');
  expect(katy).toHaveLength(KATY_DATES.length);
  labels = all.filter((l) => l.person !== 'katy_perry');
  libraryDir = path.join(temp.dir, 'photos', 'library');
  datedDir = path.join(temp.dir, 'photos', 'dated');
  copies = await copyLabelled(libraryDir, labels);
  katyCopies = [];
  for (const [i, photo] of katy.entries()) {
    const target = path.join(datedDir, `katy-${KATY_DATES[i]!.slice(0, 10)}.jpg`);
    await writeDatedCopy(path.join(IDENTITY_DIR, photo.relative), target, KATY_DATES[i]!);
    katyCopies.push(target);
  }
  baseDb = path.join(temp.dir, 'base.db');
  const started = Date.now();
  const summary = await scanInto(baseDb, [libraryDir, datedDir]);
  expect(summary.errors).toEqual([]);
  const grouped = openPeople(baseDb);
  try {
    grouped.people.groupNewFaces();
  } finally {
    grouped.close();
  }
  console.log(`scanned and grouped ${summary.photos} photos (${summary.faces} faces) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

afterAll(async () => {
  await temp?.cleanup();
});

beforeEach(async () => {
  const file = path.join(temp.dir, `ops-${++copyNo}.db`);
  await cloneLibrary(baseDb, file);
  handle = openPeople(file);
});

afterEach(() => {
  handle?.close();
});

const katyLabels = (): LabelledPhoto[] => katyCopies.map(() => ({ relative: '', person: 'katy_perry' }));

/** The labelled (largest trusted) face of each photo of `person`. */
function facesOf(person: string): FaceInfo[] {
  const db = handle.db;
  const found = person === 'katy_perry' ? labelledFaces(db, katyLabels(), katyCopies) : labelledFaces(db, labels, copies).filter((f) => f.person === person);
  return found.map((f) => {
    expect(f.face, `${f.file} has a trusted face`).toBeDefined();
    return f.face!;
  });
}

/** The grouping's person for `person` (all their photos' faces sit in one group on this library). */
function groupOf(person: string): number {
  const ids = new Set(facesOf(person).map((f) => f.personId));
  expect(ids.size, `${person} is one group`).toBe(1);
  const [id] = ids;
  expect(id).not.toBeNull();
  return id!;
}

const state = (): PeopleState => dumpPeopleState(handle.db);

/** Runs `op`, checks what it changed with `check`, undoes it and checks the state is exactly back. */
function opAndUndo(op: () => void, check: () => void, described: RegExp): void {
  const before = state();
  op();
  expect(state()).not.toEqual(before);
  check();
  expect(handle.people.undoLast()).toMatch(described);
  expect(state()).toEqual(before);
}

describe('every operation and its undo', () => {
  it('name a person, then rename them', () => {
    const { people } = handle;
    const jolie = groupOf('angelina_jolie');
    expect(people.summary(jolie).name).toBeNull();
    opAndUndo(
      () => people.name(jolie, '  Angelina Jolie '),
      () => expect(people.summary(jolie).name).toBe('Angelina Jolie'),
      /name person/,
    );
    people.name(jolie, 'Angelina');
    opAndUndo(
      () => people.name(jolie, 'Angelina Jolie'),
      () => {
        expect(people.summary(jolie).name).toBe('Angelina Jolie');
        expect(people.list()[0]).toMatchObject({ id: jolie, name: 'Angelina Jolie' });
      },
      /name person/,
    );
    expect(people.summary(jolie).name).toBe('Angelina');
    expect(() => people.name(jolie, '   ')).toThrow(/empty/);
    expect(() => people.name(999_999, 'Nobody')).toThrow(/no person/);
  });

  it('confirm a face as a person (--person), also into another person than the grouping chose', () => {
    const { people, db } = handle;
    const jolie = groupOf('angelina_jolie');
    const damon = groupOf('matt_damon');
    const face = facesOf('angelina_jolie')[1]!;
    expect(face.status).toBe('auto');
    opAndUndo(
      () => expect(people.confirm(face.id, { personId: jolie })).toBe(jolie),
      () => expect(faceInfo(db, face.id)).toMatchObject({ personId: jolie, status: 'confirmed', confidence: 1, runnerUpPersonId: null }),
      /confirm face/,
    );
    opAndUndo(
      () => people.confirm(face.id, { personId: damon }),
      () => expect(faceInfo(db, face.id)).toMatchObject({ personId: damon, status: 'confirmed' }),
      /confirm face/,
    );
    expect(() => people.confirm(face.id, { personId: 999_999 })).toThrow(/no person/);
    expect(() => people.confirm(999_999, { personId: jolie })).toThrow(/no face/);
  });

  it('confirm a face by name: names its unnamed group, joins an existing name, or starts a new person', () => {
    const { people, db } = handle;
    const jolie = groupOf('angelina_jolie');
    const [first, second] = facesOf('angelina_jolie');
    opAndUndo(
      () => expect(people.confirm(first!.id, { name: 'Angelina Jolie' })).toBe(jolie),
      () => {
        expect(people.summary(jolie).name).toBe('Angelina Jolie');
        expect(faceInfo(db, first!.id)).toMatchObject({ personId: jolie, status: 'confirmed' });
      },
      /confirm face/,
    );
    // An existing name (case does not matter) is that person.
    people.name(groupOf('matt_damon'), 'Matt Damon');
    const damon = groupOf('matt_damon');
    opAndUndo(
      () => expect(people.confirm(second!.id, { name: 'matt damon' })).toBe(damon),
      () => expect(faceInfo(db, second!.id)).toMatchObject({ personId: damon, status: 'confirmed' }),
      /confirm face/,
    );
    // A face that belongs to no one, given a new name: a new person.
    const loose = people.unassigned()[0]!;
    expect(loose).toBeDefined();
    const peopleBefore = people.list({ includeHidden: true }).length;
    opAndUndo(
      () => {
        const id = people.confirm(loose.id, { name: 'A Stranger' });
        expect(people.summary(id)).toMatchObject({ name: 'A Stranger', faceCount: 1 });
      },
      () => expect(people.list({ includeHidden: true })).toHaveLength(peopleBefore + 1),
      /confirm face/,
    );
    expect(people.unassigned().map((f) => f.id)).toContain(loose.id);
  });

  it('reject a face for a person: it leaves them and is placed elsewhere (or nowhere)', () => {
    const { people, db } = handle;
    const jolie = groupOf('angelina_jolie');
    const face = facesOf('angelina_jolie')[0]!;
    opAndUndo(
      () => people.reject(face.id, jolie),
      () => {
        expect(faceInfo(db, face.id)!.personId).not.toBe(jolie);
        expect(db.prepare('SELECT person_id FROM face_rejections WHERE face_id = ?').pluck().all(face.id)).toEqual([jolie]);
      },
      /reject face/,
    );
  });

  it('move a face to another person (confirmed there, rejected for the one it left)', () => {
    const { people, db } = handle;
    const jolie = groupOf('angelina_jolie');
    const damon = groupOf('matt_damon');
    const face = facesOf('angelina_jolie')[2]!;
    opAndUndo(
      () => people.move(face.id, damon),
      () => {
        expect(faceInfo(db, face.id)).toMatchObject({ personId: damon, status: 'confirmed', confidence: 1 });
        expect(db.prepare('SELECT person_id FROM face_rejections WHERE face_id = ?').pluck().all(face.id)).toEqual([jolie]);
      },
      /move face/,
    );
  });

  it('merge two people (the name survives, the other person is gone)', () => {
    const { people } = handle;
    const jolie = groupOf('angelina_jolie');
    const damon = groupOf('matt_damon');
    people.name(damon, 'Matt Damon');
    const faces = people.summary(jolie).faceCount + people.summary(damon).faceCount;
    opAndUndo(
      () => people.merge(jolie, damon),
      () => {
        expect(people.summary(jolie)).toMatchObject({ name: 'Matt Damon', faceCount: faces });
        expect(() => people.summary(damon)).toThrow(/no person/);
      },
      /merge person/,
    );
    expect(() => people.merge(jolie, jolie)).toThrow(/themselves/);
  });

  it("split a person: their unconfirmed faces go to new groups, confirmed ones stay", () => {
    const { people, db } = handle;
    const jolie = groupOf('angelina_jolie');
    const [keep, ...rest] = facesOf('angelina_jolie');
    people.confirm(keep!.id, { personId: jolie });
    let created: number[] = [];
    opAndUndo(
      () => {
        created = people.split(jolie);
      },
      () => {
        expect(created.length).toBeGreaterThan(0);
        expect(people.details(jolie).faces.map((f) => f.id)).toEqual([keep!.id]);
        for (const face of rest) expect(created).toContain(faceInfo(db, face.id)!.personId);
        // The split's temporary "not this person" marks are gone: a later merge back is possible.
        expect(db.prepare('SELECT count(*) FROM face_rejections WHERE person_id = ?').pluck().get(jolie)).toBe(0);
      },
      /split person/,
    );
  });

  it('hide a person (and show them again)', () => {
    const { people } = handle;
    const jolie = groupOf('angelina_jolie');
    opAndUndo(
      () => people.hide(jolie),
      () => {
        expect(people.summary(jolie).hidden).toBe(true);
        expect(people.list().map((p) => p.id)).not.toContain(jolie);
        expect(people.list({ includeHidden: true }).map((p) => p.id)).toContain(jolie);
      },
      /hide person/,
    );
    people.hide(jolie);
    opAndUndo(
      () => people.hide(jolie, false),
      () => expect(people.summary(jolie).hidden).toBe(false),
      /show person/,
    );
  });

  it("set a person's cover face", () => {
    const { people } = handle;
    const jolie = groupOf('angelina_jolie');
    const face = facesOf('angelina_jolie')[3]!;
    expect(people.summary(jolie).avatarFaceId).not.toBe(face.id);
    opAndUndo(
      () => people.setCover(jolie, face.id),
      () => expect(people.summary(jolie).avatarFaceId).toBe(face.id),
      /cover/,
    );
    expect(() => people.setCover(groupOf('matt_damon'), face.id)).toThrow(/not one of/);
  });

  it('mark a detection as not a face (never grouped or shown again)', () => {
    const { people, db } = handle;
    const face = facesOf('matt_damon')[0]!;
    opAndUndo(
      () => people.markNotAFace(face.id),
      () => {
        expect(faceInfo(db, face.id)!.personId).toBeNull();
        expect(people.unassigned().map((f) => f.id)).not.toContain(face.id);
        expect(people.groupNewFaces().faces).toBe(0);
        expect(faceInfo(db, face.id)!.personId).toBeNull();
      },
      /not a face/,
    );
  });

  it('several undos in a row revert the operations newest first, each exactly', () => {
    const { people } = handle;
    const jolie = groupOf('angelina_jolie');
    const damon = groupOf('matt_damon');
    const katy = groupOf('katy_perry');
    const jolieFaces = facesOf('angelina_jolie');
    const katyFaces = facesOf('katy_perry');
    const steps: [string, () => unknown][] = [
      ['name', () => people.name(jolie, 'Angelina Jolie')],
      ['reject', () => people.reject(jolieFaces[0]!.id, jolie)],
      ['reject again', () => people.reject(jolieFaces[1]!.id, jolie)],
      // Merging moves the rejections (delete and insert rows): their undo must put back the very same rows.
      ['merge', () => people.merge(damon, jolie)],
      ['move', () => people.move(katyFaces[0]!.id, damon)],
      ['confirm by name', () => people.confirm(katyFaces[1]!.id, { name: 'Katy Perry' })],
      ['hide', () => people.hide(damon)],
      ['cover', () => people.setCover(damon, jolieFaces[2]!.id)],
      ['not a face', () => people.markNotAFace(jolieFaces[3]!.id)],
      ['split', () => people.split(katy)],
      ['rename', () => people.name(damon, 'Someone Else')],
    ];
    const snapshots: PeopleState[] = [];
    for (const [, step] of steps) {
      snapshots.push(state());
      step();
    }
    for (let i = steps.length - 1; i >= 0; i--) {
      expect(people.undoLast(), steps[i]![0]).not.toBeNull();
      expect(state(), `after undoing "${steps[i]![0]}"`).toEqual(snapshots[i]);
    }
    expect(people.undoLast()).toBeNull();
  });

  it('an undo still works when a grouping ran after the operation (people it emptied come back)', () => {
    const { people } = handle;
    const katy = groupOf('katy_perry');
    const damon = groupOf('matt_damon');
    const ops: [string, () => unknown][] = [
      // Every face of an unnamed group leaves it: the group is emptied.
      ['split', () => people.split(katy)],
      ['move every face', () => facesOf('leonardo_dicaprio').forEach((f) => people.move(f.id, damon))],
    ];
    for (const [what, op] of ops) {
      const before = state();
      const opsBefore = handle.db.prepare('SELECT count(*) FROM operations WHERE undone = 0').pluck().get() as number;
      op();
      people.groupNewFaces();
      const made = (handle.db.prepare('SELECT count(*) FROM operations WHERE undone = 0').pluck().get() as number) - opsBefore;
      for (let i = 0; i < made; i++) expect(people.undoLast(), what).not.toBeNull();
      people.groupNewFaces();
      expect(state(), what).toEqual(before);
    }
  });

  it('re-running grouping (with new photos) never reverts a user decision', async () => {
    const { people, db, library } = handle;
    const jolie = groupOf('angelina_jolie');
    const damon = groupOf('matt_damon');
    const jolieFaces = facesOf('angelina_jolie');
    people.name(jolie, 'Angelina Jolie');
    people.confirm(jolieFaces[0]!.id, { personId: jolie });
    people.reject(jolieFaces[1]!.id, jolie);
    people.move(jolieFaces[2]!.id, damon);
    people.markNotAFace(jolieFaces[3]!.id);
    people.hide(damon);
    people.setCover(jolie, jolieFaces[0]!.id);
    const decisions = (): unknown => ({
      people: db.prepare('SELECT id, name, hidden, cover_face_id FROM people WHERE name IS NOT NULL OR hidden = 1 ORDER BY id').all(),
      confirmed: db.prepare("SELECT * FROM face_assignments WHERE status = 'confirmed' ORDER BY face_id").all(),
      rejections: db.prepare('SELECT * FROM face_rejections ORDER BY face_id, person_id').all(),
      notFaces: db.prepare('SELECT * FROM not_faces ORDER BY face_id').all(),
    });
    const before = decisions();

    // New photos arrive (the group photos, two with Angelina Jolie in them) and are grouped.
    const groupsDir = path.join(temp.dir, 'photos', `groups-${copyNo}`);
    await copyGroups(groupsDir);
    const summary = await scanOpen(library, [groupsDir]);
    expect(summary.errors).toEqual([]);
    const result = people.groupNewFaces();
    expect(result.faces).toBe(summary.faces);
    expect(decisions()).toEqual(before);
    expect(faceInfo(db, jolieFaces[1]!.id)!.personId).not.toBe(jolie);
    expect(faceInfo(db, jolieFaces[3]!.id)!.personId).toBeNull();
    // The decisions are still there after a second run and a fresh service on the same database.
    handle.close();
    handle = openPeople(library.file);
    expect(handle.people.groupNewFaces().faces).toBe(0);
    const again = handle.db;
    expect(again.prepare("SELECT count(*) FROM face_assignments WHERE status = 'confirmed'").pluck().get()).toBe(2);
    expect(again.prepare('SELECT name FROM people WHERE id = ?').pluck().get(jolie)).toBe('Angelina Jolie');
    expect(faceInfo(again, jolieFaces[1]!.id)!.personId).not.toBe(jolie);
  });
});

describe('naming and suggestions', () => {
  it('naming two faces of a person tags the others of that person with high confidence', () => {
    const { people, db } = handle;
    const katy = facesOf('katy_perry');
    const id = people.confirm(katy[0]!.id, { name: 'Katy Perry' });
    expect(people.confirm(katy[1]!.id, { name: 'Katy Perry' })).toBe(id);
    for (const face of katy.slice(2)) {
      const now = faceInfo(db, face.id)!;
      expect(now.personId, now.file).toBe(id);
      expect(['auto', 'suggested']).toContain(now.status);
      expect(now.confidence!).toBeGreaterThanOrEqual(0.8);
    }
    expect(people.summary(id)).toMatchObject({ name: 'Katy Perry', photoCount: KATY_DATES.length });
  });

  it('the review queue asks the most doubtful questions first, with the runner-up when there is one', () => {
    const { people } = handle;
    for (const [person, name] of [
      ['angelina_jolie', 'Angelina Jolie'],
      ['jennifer_aniston', 'Jennifer Aniston'],
      ['scarlett_johansson', 'Scarlett Johansson'],
      ['katy_perry', 'Katy Perry'],
      ['leonardo_dicaprio', 'Leonardo DiCaprio'],
      ['matt_damon', 'Matt Damon'],
    ] as const) {
      people.confirm(facesOf(person)[0]!.id, { name });
    }
    const queue = people.reviewQueue();
    expect(queue.length).toBeGreaterThan(10);
    const confidences = queue.map((q) => q.confidence);
    expect(confidences).toEqual([...confidences].sort((a, b) => a - b));
    expect(queue.every((q) => q.personName !== null)).toBe(true);
    const withRunnerUp = queue.filter((q) => q.runnerUp !== null);
    expect(withRunnerUp.length).toBeGreaterThan(0);
    for (const q of withRunnerUp) {
      expect(q.runnerUp!.personId).not.toBe(q.personId);
      expect(q.runnerUp!.confidence).toBeLessThanOrEqual(q.confidence);
    }
    // Confirmed faces are answered questions.
    const confirmed = new Set(facesOf('angelina_jolie').slice(0, 1).map((f) => f.id));
    expect(queue.some((q) => confirmed.has(q.faceId))).toBe(false);
  });
});

describe('per-person facts', () => {
  it('first and last seen are the EXIF capture dates written into the copies', () => {
    const { people } = handle;
    const katy = groupOf('katy_perry');
    const summary = people.summary(katy);
    expect(summary.photoCount).toBe(KATY_DATES.length);
    expect(summary.firstSeen).toEqual({ at: KATY_DATES[0], source: 'DateTimeOriginal', file: katyCopies[0] });
    expect(summary.lastSeen).toEqual({ at: KATY_DATES.at(-1), source: 'DateTimeOriginal', file: katyCopies.at(-1) });
  });

  it('the best photo of each year: one per year, from that year', () => {
    const { people } = handle;
    const details = people.details(groupOf('katy_perry'));
    const years = [...new Set(KATY_DATES.map((d) => Number(d.slice(0, 4))))];
    expect(details.bestPerYear.map((b) => b.year)).toEqual(years);
    for (const best of details.bestPerYear) {
      const i = katyCopies.indexOf(best.file);
      expect(i, best.file).toBeGreaterThanOrEqual(0);
      expect(KATY_DATES[i]!.slice(0, 4)).toBe(String(best.year));
      // It is the best face of that year.
      const sameYear = details.faces.filter((f) => KATY_DATES[katyCopies.indexOf(f.file)]?.startsWith(String(best.year)));
      const quality = (id: number): number => faceInfo(handle.db, id)!.quality;
      expect(Math.max(...sameYear.map((f) => quality(f.id)))).toBe(quality(best.faceId));
    }
  });

  it('the best photo of a person is not a deliberately blurred copy of one of their photos', async () => {
    const { people, db, library } = handle;
    const katy = groupOf('katy_perry');
    const best = people.summary(katy).bestPhoto!;
    const i = katyCopies.indexOf(best);
    expect(i).toBeGreaterThanOrEqual(0);
    // A blurred copy of the very best photo, with the same capture date.
    const blurredDir = path.join(temp.dir, 'photos', `blurred-${copyNo}`);
    const blurred = path.join(blurredDir, 'katy-blurred.jpg');
    const { width } = await sharp(best).metadata();
    await writeDatedCopy(best, blurred, KATY_DATES[i]!, (image) => image.blur(Math.max(2, (width ?? 1000) / 250)));
    const summary = await scanOpen(library, [blurredDir]);
    expect(summary.faces).toBeGreaterThanOrEqual(1);
    people.groupNewFaces();
    const blurredFace = facesIn(db, blurred)[0]!;
    const originalFace = facesIn(db, best)[0]!;
    expect(blurredFace.quality).toBeLessThan(originalFace.quality);
    expect(blurredFace.parts.sharpness).toBeLessThan(originalFace.parts.sharpness);
    // Make sure the blurred face is one of hers (the grouping may have left it out as untrusted).
    if (blurredFace.personId !== katy) people.move(blurredFace.id, katy);
    expect(faceInfo(db, blurredFace.id)!.personId).toBe(katy);

    const after = people.details(katy);
    expect(after.photoCount).toBe(KATY_DATES.length + 1);
    expect(after.bestPhoto).toBe(best);
    expect(after.bestPhoto).not.toBe(blurred);
    const year = Number(KATY_DATES[i]!.slice(0, 4));
    expect(after.bestPerYear.find((b) => b.year === year)!.file).not.toBe(blurred);
  });
});

describe('decisions keep their constraints', () => {
  it('confirming a face releases the person\'s other, unconfirmed face in the same photo', () => {
    const { people, db } = handle;
    const photo = allFacesByPhoto(db).find((faces) => faces.length >= 2)!;
    expect(photo, 'some photo has two faces').toBeDefined();
    const [a, b] = photo;
    const jolie = groupOf('angelina_jolie');
    people.repo.assign({ faceId: b!.id, personId: jolie, status: 'auto', confidence: 0.9, runnerUpPersonId: null, runnerUpConfidence: null });
    people.confirm(a!.id, { personId: jolie });
    expect(faceInfo(db, a!.id)).toMatchObject({ personId: jolie, status: 'confirmed' });
    expect(faceInfo(db, b!.id)?.personId).not.toBe(jolie);
  });

  it('a merge does not bring along a face the user rejected for the person kept', () => {
    const { people, db } = handle;
    const jolie = groupOf('angelina_jolie');
    const damon = groupOf('matt_damon');
    const [rejected, other] = facesOf('matt_damon');
    people.reject(rejected!.id, jolie);
    people.merge(jolie, damon);
    expect(faceInfo(db, other!.id)?.personId).toBe(jolie);
    expect(faceInfo(db, rejected!.id)?.personId).not.toBe(jolie);
  });

  it('undo still works when a re-scan has since removed a face the operation touched', () => {
    const { people, db, library } = handle;
    const face = facesOf('angelina_jolie')[0]!;
    const gone = new Set(facesIn(db, face.file).map((f) => f.id));
    const kept = (s: PeopleState): unknown[] => (s.face_assignments as { face_id: number }[]).filter((r) => !gone.has(r.face_id));
    const before = state();
    people.confirm(face.id, { name: 'Someone Else' });
    library.repo.removePhoto(face.photoId);
    expect(people.undoLast()).toMatch(/confirm face/);
    const after = state();
    expect(kept(after)).toEqual(kept(before));
    expect(after.people).toEqual(before.people);
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });
});

function allFacesByPhoto(db: OpenPeople['db']): FaceInfo[][] {
  const byPhoto = new Map<number, FaceInfo[]>();
  for (const row of db.prepare('SELECT id, photo_id FROM faces ORDER BY id').all() as { id: number; photo_id: number }[]) {
    const list = byPhoto.get(row.photo_id) ?? [];
    list.push(faceInfo(db, row.id)!);
    byPhoto.set(row.photo_id, list);
  }
  return [...byPhoto.values()];
}
