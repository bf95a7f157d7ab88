import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../support/library-fixtures.js';
import { copyLabelled, identityLabels, type LabelledPhoto } from '../support/people-fixtures.js';
import { runCli, type CliResult } from '../support/run-cli.js';

/**
 * `facetag people|name|confirm|reject|move|merge|split|hide|undo|report` end to end, as a user runs them
 * (bin/facetag.js → dist/), on a library scanned from copies of ../shared/photos with `facetag scan`.
 */

type Box = [number, number, number, number];
interface FaceJson {
  id: number;
  file: string;
  box: Box;
  status: 'confirmed' | 'auto' | 'suggested';
  confidence: number;
}
interface PersonJson {
  id: number;
  name: string | null;
  hidden: boolean;
  photoCount: number;
  faceCount: number;
  firstSeen: string | null;
  lastSeen: string | null;
  bestPhoto: string | null;
  faces: FaceJson[];
}
interface PeopleJson {
  people: PersonJson[];
  unassigned: { id: number; file: string; box: Box }[];
}

const PERSON_KEYS = ['id', 'name', 'hidden', 'photoCount', 'faceCount', 'firstSeen', 'lastSeen', 'bestPhoto', 'faces'];
const FACE_KEYS = ['id', 'file', 'box', 'status', 'confidence'];
const UNASSIGNED_KEYS = ['id', 'file', 'box'];

let temp: TempDir;
let root: string;
let db: string;
let jolie: LabelledPhoto[];
let jolieCopies: string[];
let firstCopies: string[];
let firstLabels: LabelledPhoto[];

async function facetag(...args: string[]): Promise<CliResult> {
  const result = await runCli([...args, '--db', db]);
  return result;
}

async function ok(...args: string[]): Promise<string> {
  const result = await facetag(...args);
  expect(result.code, `facetag ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

async function peopleJson(): Promise<PeopleJson> {
  const stdout = await ok('people', '--json');
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as PeopleJson;
}

const area = (b: Box): number => (b[2] - b[0]) * (b[3] - b[1]);

/** The largest face of a photo, among everyone's faces and the unassigned ones. */
function largestFace(json: PeopleJson, file: string): { id: number; personId: number | null; face?: FaceJson } {
  const all = [
    ...json.people.flatMap((p) => p.faces.filter((f) => f.file === file).map((f) => ({ id: f.id, box: f.box, personId: p.id as number | null, face: f }))),
    ...json.unassigned.filter((f) => f.file === file).map((f) => ({ id: f.id, box: f.box, personId: null, face: undefined })),
  ];
  expect(all.length, `${file} has faces`).toBeGreaterThan(0);
  return all.reduce((a, b) => (area(b.box) > area(a.box) ? b : a));
}

const personOfFace = (json: PeopleJson, faceId: number): PersonJson | undefined => json.people.find((p) => p.faces.some((f) => f.id === faceId));

beforeAll(async () => {
  temp = await makeTempDir('cli-people');
  root = path.join(temp.dir, 'photos');
  db = path.join(temp.dir, 'library.db');
  const labels = await identityLabels();
  jolie = labels.filter((l) => l.person === 'angelina_jolie');
  // First scan: two photos of Angelina Jolie, all of Matt Damon and Leonardo DiCaprio, and a Jennifer Aniston
  // photo with several small faces besides hers (some belong to no one).
  firstLabels = [
    ...jolie.slice(0, 2),
    ...labels.filter((l) => l.person === 'matt_damon' || l.person === 'leonardo_dicaprio'),
    ...labels.filter((l) => l.relative.endsWith('deepface_img54.jpg')),
  ];
  firstCopies = await copyLabelled(root, firstLabels);
  jolieCopies = firstCopies.slice(0, 2);
  const scan = await runCli(['scan', root, '--db', db, '--workers', '2']);
  expect(scan.code, scan.stderr).toBe(0);
  expect(scan.stderr).toMatch(/grouped \d+ new face\(s\)/);
});

afterAll(async () => {
  await temp?.cleanup();
});

describe('facetag people', () => {
  it('--json prints exactly the contract', async () => {
    const json = await peopleJson();
    expect(Object.keys(json)).toEqual(['people', 'unassigned']);
    expect(json.people.length).toBeGreaterThanOrEqual(3);
    for (const person of json.people) {
      expect(Object.keys(person)).toEqual(PERSON_KEYS);
      expect(typeof person.id).toBe('number');
      expect(person.name).toBeNull();
      expect(person.hidden).toBe(false);
      expect(person.faceCount).toBe(person.faces.length);
      expect(person.photoCount).toBe(new Set(person.faces.map((f) => f.file)).size);
      expect(path.isAbsolute(person.bestPhoto!)).toBe(true);
      expect(person.faces.map((f) => f.file)).toContain(person.bestPhoto);
      for (const seen of [person.firstSeen, person.lastSeen]) {
        expect(seen === null || !Number.isNaN(Date.parse(seen))).toBe(true);
      }
      for (const face of person.faces) {
        expect(Object.keys(face)).toEqual(FACE_KEYS);
        expect(firstCopies).toContain(face.file);
        expect(face.box).toHaveLength(4);
        expect(face.box[2]).toBeGreaterThan(face.box[0]);
        expect(['confirmed', 'auto', 'suggested']).toContain(face.status);
        expect(face.confidence).toBeGreaterThanOrEqual(0);
        expect(face.confidence).toBeLessThanOrEqual(1);
      }
    }
    expect(json.unassigned.length).toBeGreaterThan(0);
    for (const face of json.unassigned) {
      expect(Object.keys(face)).toEqual(UNASSIGNED_KEYS);
      expect(path.isAbsolute(face.file)).toBe(true);
      expect(face.box).toHaveLength(4);
    }
    // The labelled people: Matt Damon's and Leonardo DiCaprio's photos each make one group.
    for (const person of ['matt_damon', 'leonardo_dicaprio']) {
      const files = firstCopies.filter((_, i) => firstLabels[i]!.person === person);
      const ids = new Set(files.map((f) => largestFace(json, f).personId));
      expect(ids.size, person).toBe(1);
      expect([...ids][0]).not.toBeNull();
    }
  });

  it('without --json lists people for a person to read', async () => {
    const stdout = await ok('people');
    expect(stdout).toMatch(/unnamed #\d+ +\d+ face\(s\) in \d+ photo\(s\)/);
  });
});

describe('naming, deciding and undoing', () => {
  it('confirm --name on two photos of a person; a later scan tags the others as them with high confidence', async () => {
    let json = await peopleJson();
    const [a, b] = jolieCopies.map((f) => largestFace(json, f));
    expect(await ok('confirm', String(a!.id), '--name', 'Angelina Jolie')).toMatch(/confirmed as Angelina Jolie/);
    expect(await ok('confirm', String(b!.id), '--name', 'Angelina Jolie')).toMatch(/confirmed as Angelina Jolie/);
    json = await peopleJson();
    const named = json.people.filter((p) => p.name === 'Angelina Jolie');
    expect(named).toHaveLength(1);
    expect(named[0]!.faces.filter((f) => f.status === 'confirmed').map((f) => f.id).sort()).toEqual([a!.id, b!.id].sort());

    // The rest of her photos arrive.
    const rest = await copyLabelled(root, jolie.slice(2));
    const scan = await runCli(['scan', root, '--db', db, '--workers', '2']);
    expect(scan.code, scan.stderr).toBe(0);
    json = await peopleJson();
    const person = json.people.find((p) => p.name === 'Angelina Jolie')!;
    expect(person.photoCount).toBe(jolie.length);
    for (const file of rest) {
      const face = largestFace(json, file);
      expect(face.personId, file).toBe(person.id);
      expect(['auto', 'suggested']).toContain(face.face!.status);
      expect(face.face!.confidence).toBeGreaterThanOrEqual(0.8);
    }
  });

  it('name, reject and undo', async () => {
    let json = await peopleJson();
    const damonFile = firstCopies[firstLabels.findIndex((l) => l.person === 'matt_damon')]!;
    const damon = largestFace(json, damonFile).personId!;
    expect(await ok('name', String(damon), 'Matt', 'Damon')).toMatch(/person \d+ is now "Matt Damon"/);
    json = await peopleJson();
    expect(json.people.find((p) => p.id === damon)!.name).toBe('Matt Damon');
    // Named people come first, by name.
    expect(json.people.slice(0, 2).map((p) => p.name)).toEqual(['Angelina Jolie', 'Matt Damon']);

    const face = largestFace(json, damonFile).id;
    expect(await ok('reject', String(face), '--person', String(damon))).toMatch(/is not person/);
    json = await peopleJson();
    expect(personOfFace(json, face)?.id).not.toBe(damon);
    expect(json.people.find((p) => p.id === damon)!.faces.map((f) => f.id)).not.toContain(face);

    expect(await ok('undo')).toMatch(/undone: reject face/);
    json = await peopleJson();
    expect(personOfFace(json, face)?.id).toBe(damon);
  });

  it('move, hide, merge, split and their undo', async () => {
    let json = await peopleJson();
    const leoFile = firstCopies[firstLabels.findIndex((l) => l.person === 'leonardo_dicaprio')]!;
    const leo = largestFace(json, leoFile).personId!;
    const damon = json.people.find((p) => p.name === 'Matt Damon')!.id;
    const face = largestFace(json, leoFile).id;

    expect(await ok('move', String(face), '--person', String(damon))).toMatch(/moved/);
    json = await peopleJson();
    expect(personOfFace(json, face)).toMatchObject({ id: damon });
    expect(json.people.find((p) => p.id === damon)!.faces.find((f) => f.id === face)!.status).toBe('confirmed');
    expect(await ok('undo')).toMatch(/undone: move face/);

    expect(await ok('hide', String(leo))).toMatch(/hidden/);
    expect((await peopleJson()).people.find((p) => p.id === leo)!.hidden).toBe(true);
    expect(await ok('people')).not.toMatch(new RegExp(`^ *${leo}  (unnamed|\\S)`, 'm'));
    expect(await ok('undo')).toMatch(/undone: hide person/);
    expect((await peopleJson()).people.find((p) => p.id === leo)!.hidden).toBe(false);

    const before = await peopleJson();
    expect(await ok('merge', String(damon), String(leo))).toMatch(/merged/);
    json = await peopleJson();
    expect(json.people.find((p) => p.id === leo)).toBeUndefined();
    expect(await ok('undo')).toMatch(/undone: merge/);
    expect(await peopleJson()).toEqual(before);

    const split = await ok('split', String(leo));
    expect(split).toMatch(/new groups: \d+/);
    expect(await ok('undo')).toMatch(/undone: split/);
    expect(await peopleJson()).toEqual(before);
  });

  it('mistakes are told plainly', async () => {
    const noTarget = await facetag('confirm', '1');
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/--person ID or --name NAME/);
    const badId = await facetag('name', 'abc', 'Someone');
    expect(badId.code).toBe(2);
    const nobody = await facetag('name', '999999', 'Someone');
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/there is no person 999999/);
  });
});

describe('facetag report', () => {
  it('prints each named person with appearances, first seen, last seen and best photo, most appearances first', async () => {
    const json = await peopleJson();
    const report = await ok('report');
    expect(report).toMatch(/^Album report/);
    const blocks = report
      .trim()
      .split('\n\n')
      .slice(1)
      .map((b) => b.split('\n'));
    const names = blocks.map((b) => b[0]);
    expect(names.slice(0, 2)).toEqual(['Angelina Jolie', 'Matt Damon']);
    const appearances = blocks.map((b) => Number(/appearances: (\d+) photo/.exec(b[1]!)![1]));
    expect(appearances).toEqual([...appearances].sort((x, y) => y - x));
    for (const name of ['Angelina Jolie', 'Matt Damon']) {
      const person = json.people.find((p) => p.name === name)!;
      const block = blocks.find((b) => b[0] === name)!;
      expect(block[1]).toBe(`  appearances: ${person.photoCount} photo(s), ${person.faceCount} face(s)`);
      expect(block[2]).toMatch(new RegExp(`^  first seen: +${person.firstSeen!.slice(0, 10)} \\((DateTimeOriginal|CreateDate|FileModifyDate)\\)$`));
      expect(block[3]).toMatch(new RegExp(`^  last seen: +${person.lastSeen!.slice(0, 10)} \\((DateTimeOriginal|CreateDate|FileModifyDate)\\)$`));
      expect(block[4]).toBe(`  best photo:  ${person.bestPhoto}`);
    }
    // deepface_img1.jpg carries an EXIF DateTimeOriginal (2019-07-20); her other copies only their file times (now).
    expect(blocks.find((b) => b[0] === 'Angelina Jolie')![2]).toBe('  first seen:  2019-07-20 (DateTimeOriginal)');
  });
});
