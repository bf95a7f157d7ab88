import path from 'node:path';
import type { Command } from 'commander';
import type { Box } from '../common/geometry.js';
import type { PersonSummary } from '../common/people.js';
import { openLibrary, type Library } from '../node/library/open-library.js';
import { PeopleService } from '../node/people/people.service.js';
import { UsageError } from './cli-error.js';

interface DbOption {
  db?: string;
}

const round1 = (v: number): number => Math.round(v * 10) / 10;
const round3 = (v: number): number => Math.round(v * 1000) / 1000;

function parseId(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be a whole number, not "${value}"`);
    return n;
  };
}

function parseBox(value: string): Box {
  const numbers = value.split(',').map(Number);
  if (numbers.length !== 4 || numbers.some((n) => !Number.isFinite(n))) throw new UsageError(`--box must be x1,y1,x2,y2, not "${value}"`);
  return numbers as unknown as Box;
}

const personId = parseId('a person id');
const faceId = parseId('a face id');

/** Opens the library and its people, groups what is new, runs `work`, closes. */
function withPeople<T>(options: DbOption, work: (people: PeopleService, library: Library) => T): T {
  const library = openLibrary(options.db);
  try {
    const people = new PeopleService(library.db);
    people.groupNewFaces();
    return work(people, library);
  } finally {
    library.close();
  }
}

/** `facetag people --json`: an exact contract. */
export function peopleJson(people: PeopleService): unknown {
  return {
    people: people.list({ includeHidden: true }).map((p) => ({
      id: p.id,
      name: p.name,
      hidden: p.hidden,
      photoCount: p.photoCount,
      faceCount: p.faceCount,
      firstSeen: p.firstSeen?.at ?? null,
      lastSeen: p.lastSeen?.at ?? null,
      bestPhoto: p.bestPhoto,
      faces: people.details(p.id).faces.map((f) => ({
        id: f.id,
        file: f.file,
        box: f.box.map(round1),
        status: f.status,
        confidence: round3(f.confidence),
      })),
    })),
    unassigned: people.unassigned().map((f) => ({ id: f.id, file: f.file, box: f.box.map(round1) })),
  };
}

function label(p: Pick<PersonSummary, 'id' | 'name'>): string {
  return p.name ?? `unnamed #${p.id}`;
}

function describePeople(people: PeopleService): string {
  const lines = people.list().map((p) => `${String(p.id).padStart(5)}  ${label(p).padEnd(28)} ${p.faceCount} face(s) in ${p.photoCount} photo(s)`);
  const loose = people.unassigned().length;
  if (loose > 0) lines.push(`       ${loose} face(s) belong to no one yet`);
  return `${lines.join('\n')}\n`;
}

/** The seed's album report: per person, appearances, first and last seen, best photo; most appearances first. */
export function albumReport(people: PeopleService): string {
  const rows = people
    .list()
    .filter((p) => p.name !== null || p.faceCount > 1)
    .sort((a, b) => b.photoCount - a.photoCount || a.id - b.id);
  const out = ['Album report', ''];
  for (const p of rows) {
    const seen = (s: PersonSummary['firstSeen']): string => (s ? `${s.at.slice(0, 10)} (${s.source})` : 'unknown');
    out.push(`${label(p)}`);
    out.push(`  appearances: ${p.photoCount} photo(s), ${p.faceCount} face(s)`);
    out.push(`  first seen:  ${seen(p.firstSeen)}`);
    out.push(`  last seen:   ${seen(p.lastSeen)}`);
    out.push(`  best photo:  ${p.bestPhoto ?? '-'}`);
    out.push('');
  }
  if (rows.length === 0) out.push('No people yet: scan a folder with `facetag scan <folder>`.');
  return `${out.join('\n')}\n`;
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function registerPeople(program: Command): void {
  const db = ['--db <file>', 'library database'] as const;

  program
    .command('people')
    .description('list people (named first, then unnamed groups) and the faces that belong to no one')
    .option(...db)
    .option('--json', 'print JSON', false)
    .action((options: DbOption & { json: boolean }) =>
      withPeople(options, (people) => {
        process.stdout.write(options.json ? `${JSON.stringify(peopleJson(people))}\n` : describePeople(people));
      }),
    );

  program
    .command('name')
    .description('name or rename a person')
    .argument('<person-id>', 'person id', personId)
    .argument('<name...>', 'the name')
    .option(...db)
    .action((id: number, name: string[], options: DbOption) =>
      withPeople(options, (people) => {
        people.name(id, name.join(' '));
        say(`person ${id} is now "${name.join(' ')}"`);
      }),
    );

  program
    .command('confirm')
    .description('confirm that a face is a person')
    .argument('<face-id>', 'face id', faceId)
    .option('--person <id>', 'the person', personId)
    .option('--name <name>', 'the person, by name (created if new)')
    .option(...db)
    .action((face: number, options: DbOption & { person?: number; name?: string }) => {
      if ((options.person === undefined) === (options.name === undefined)) throw new UsageError('give either --person ID or --name NAME');
      withPeople(options, (people) => {
        const id = people.confirm(face, options.person !== undefined ? { personId: options.person } : { name: options.name! });
        say(`face ${face} confirmed as ${label(people.summary(id))}`);
      });
    });

  program
    .command('reject')
    .description('say a face is not a person (it is never suggested for them again)')
    .argument('<face-id>', 'face id', faceId)
    .requiredOption('--person <id>', 'the person it is not', personId)
    .option(...db)
    .action((face: number, options: DbOption & { person: number }) =>
      withPeople(options, (people) => {
        people.reject(face, options.person);
        say(`face ${face} is not person ${options.person}`);
      }),
    );

  program
    .command('move')
    .description('move a face to another person')
    .argument('<face-id>', 'face id', faceId)
    .requiredOption('--person <id>', 'the person it is', personId)
    .option(...db)
    .action((face: number, options: DbOption & { person: number }) =>
      withPeople(options, (people) => {
        people.move(face, options.person);
        say(`face ${face} moved to person ${options.person}`);
      }),
    );

  program
    .command('merge')
    .description('merge the second person into the first')
    .argument('<person-id>', 'the person who stays', personId)
    .argument('<other-id>', 'the person merged into them', personId)
    .option(...db)
    .action((keep: number, other: number, options: DbOption) =>
      withPeople(options, (people) => {
        people.merge(keep, other);
        say(`person ${other} merged into ${keep}`);
      }),
    );

  program
    .command('split')
    .description("re-group a person's unconfirmed faces into new groups to pick from")
    .argument('<person-id>', 'person id', personId)
    .option(...db)
    .action((id: number, options: DbOption) =>
      withPeople(options, (people) => {
        const created = people.split(id);
        say(created.length > 0 ? `new groups: ${created.join(', ')}` : 'nothing to split (all faces are confirmed)');
      }),
    );

  program
    .command('hide')
    .description('hide a person (--show to show them again)')
    .argument('<person-id>', 'person id', personId)
    .option('--show', 'show the person again', false)
    .option(...db)
    .action((id: number, options: DbOption & { show: boolean }) =>
      withPeople(options, (people) => {
        people.hide(id, !options.show);
        say(`person ${id} ${options.show ? 'shown' : 'hidden'}`);
      }),
    );

  program
    .command('cover')
    .description("set the face shown as a person's avatar")
    .argument('<person-id>', 'person id', personId)
    .argument('<face-id>', 'one of their faces', faceId)
    .option(...db)
    .action((id: number, face: number, options: DbOption) =>
      withPeople(options, (people) => {
        people.setCover(id, face);
        say(`face ${face} is now person ${id}'s cover`);
      }),
    );

  program
    .command('not-a-face')
    .description('mark a detection as not a face (it is kept hidden, so a re-scan does not bring it back)')
    .argument('<face-id>', 'face id', faceId)
    .option(...db)
    .action((face: number, options: DbOption) =>
      withPeople(options, (people) => {
        people.markNotAFace(face);
        say(`face ${face} is not a face`);
      }),
    );

  program
    .command('add-face')
    .description('add a face the detector missed, drawn by hand')
    .argument('<photo>', 'a photo in the library')
    .requiredOption('--box <x1,y1,x2,y2>', 'the face box in upright pixels', parseBox)
    .option('--person <id>', 'the person it is', personId)
    .option('--name <name>', 'the person it is, by name')
    .option(...db)
    .action(async (photo: string, options: DbOption & { box: Box; person?: number; name?: string }) => {
      const library = openLibrary(options.db);
      try {
        const people = new PeopleService(library.db);
        const target = options.person !== undefined ? { personId: options.person } : options.name !== undefined ? { name: options.name } : undefined;
        const id = await people.addFace(path.resolve(photo), options.box, target);
        say(`added face ${id}`);
      } finally {
        library.close();
      }
    });

  program
    .command('undo')
    .description('undo the last change to people (naming, confirming, merging...)')
    .option(...db)
    .action((options: DbOption) =>
      withPeople(options, (people) => {
        const undone = people.undoLast();
        say(undone ? `undone: ${undone}` : 'nothing to undo');
      }),
    );

  program
    .command('report')
    .description('the album report: per person, appearances, first and last seen, best photo')
    .option(...db)
    .action((options: DbOption) =>
      withPeople(options, (people) => {
        process.stdout.write(albumReport(people));
      }),
    );
}
