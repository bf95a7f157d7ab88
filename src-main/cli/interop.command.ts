import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { openLibrary, type Library } from '../node/library/open-library.js';
import { exportAnnotated, faceExportRows, findPerson, toCsv } from '../node/interop/face-export.js';
import { isSidecarStyle, readInteropSettings, writeInteropSettings } from '../node/interop/interop-settings.js';
import { exportXmp, type PhotoXmpExport } from '../node/interop/xmp-export.js';
import type { SidecarStyle } from '../node/interop/xmp-files.js';
import { describeImport, importXmpRegions } from '../node/interop/xmp-import.js';
import { PeopleError, PeopleService } from '../node/people/people.service.js';
import { EXIT_OK, EXIT_SOME_FAILED, UsageError } from './cli-error.js';

interface DbOption {
  db?: string;
}

function parseStyle(value: string): SidecarStyle {
  if (!isSidecarStyle(value)) throw new UsageError(`--sidecar-style must be digikam (photo.jpg.xmp) or lightroom (photo.xmp), not "${value}"`);
  return value;
}

function parseFormat(value: string): 'csv' | 'json' {
  if (value !== 'csv' && value !== 'json') throw new UsageError(`--format must be csv or json, not "${value}"`);
  return value;
}

function parseOnOff(value: string): boolean {
  if (/^(on|true|yes|1)$/i.test(value)) return true;
  if (/^(off|false|no|0)$/i.test(value)) return false;
  throw new UsageError(`say on or off, not "${value}"`);
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function withLibrary<T>(options: DbOption, work: (library: Library) => Promise<T> | T): Promise<T> {
  const library = openLibrary(options.db);
  try {
    return await work(library);
  } finally {
    library.close();
  }
}

function describeExport(f: PhotoXmpExport, dryRun: boolean): string {
  if (f.action === 'error') return `error: ${f.photo}: ${f.error}`;
  const names = f.names.length > 0 ? f.names.join(', ') : 'no face of ours';
  const kept = f.kept > 0 ? ` (${f.kept} region(s) of other tools kept)` : '';
  if (f.action === 'unchanged') return `unchanged ${f.target}: ${names}`;
  const verb = dryRun ? `would ${f.action}` : f.action === 'create' ? 'created' : 'updated';
  return `${verb} ${f.target}: ${names}${kept}`;
}

export function registerInterop(program: Command, setExitCode: (code: number) => void): void {
  const db = ['--db <file>', 'library database'] as const;

  program
    .command('export-xmp')
    .description('write confirmed names as XMP face regions (MWG, Microsoft, IPTC PersonInImage) into sidecars, merged with what is there')
    .option(...db)
    .option('--dry-run', 'write nothing: list what would be written', false)
    .option('--embed', 'write into the JPEG photos themselves (only their XMP segment changes) instead of sidecars', false)
    .option('--include-auto', 'also faces tagged automatically, not only confirmed ones', false)
    .option('--sidecar-style <style>', 'digikam: photo.jpg.xmp (also darktable); lightroom: photo.xmp (default: the library setting, else digikam)', parseStyle)
    .action((options: DbOption & { dryRun: boolean; embed: boolean; includeAuto: boolean; sidecarStyle?: SidecarStyle }) =>
      withLibrary(options, (library) => {
        const style = options.sidecarStyle ?? readInteropSettings(library.db).sidecarStyle;
        const summary = exportXmp(library.db, { dryRun: options.dryRun, embed: options.embed, includeAuto: options.includeAuto, style });
        for (const f of summary.files) say(describeExport(f, options.dryRun));
        say(JSON.stringify(summary));
        setExitCode(summary.errors.length > 0 ? EXIT_SOME_FAILED : EXIT_OK);
      }),
    );

  program
    .command('import-xmp')
    .description('read names from XMP face regions (sidecars and embedded) of the library’s photos, as a scan does')
    .option(...db)
    .action((options: DbOption) =>
      withLibrary(options, async (library) => {
        const people = new PeopleService(library.db);
        const summary = await importXmpRegions(people);
        people.groupNewFaces();
        const line = describeImport(summary);
        if (line) say(line);
        for (const e of summary.errors) say(`error: ${e.file}: ${e.error}`);
        say(JSON.stringify(summary));
        setExitCode(summary.errors.length > 0 ? EXIT_SOME_FAILED : EXIT_OK);
      }),
    );

  program
    .command('auto-sidecars')
    .description('show, or turn on or off, writing XMP sidecars automatically when you confirm, move or name')
    .argument('[on|off]', 'the new setting', parseOnOff)
    .option('--sidecar-style <style>', 'digikam (photo.jpg.xmp) or lightroom (photo.xmp)', parseStyle)
    .option(...db)
    .action((on: boolean | undefined, options: DbOption & { sidecarStyle?: SidecarStyle }) =>
      withLibrary(options, (library) => {
        const settings =
          on === undefined && options.sidecarStyle === undefined
            ? readInteropSettings(library.db)
            : writeInteropSettings(library.db, { writeSidecars: on, sidecarStyle: options.sidecarStyle });
        say(JSON.stringify(settings));
      }),
    );

  program
    .command('export')
    .description('export every face: photo, person, status, confidence, box (upright pixels) and capture time')
    .requiredOption('--format <format>', 'csv or json', parseFormat)
    .option('--out <file>', 'write to this file instead of the standard output')
    .option(...db)
    .action((options: DbOption & { format: 'csv' | 'json'; out?: string }) =>
      withLibrary(options, async (library) => {
        const rows = faceExportRows(library.db);
        const text = options.format === 'csv' ? toCsv(rows) : `${JSON.stringify(rows)}\n`;
        if (options.out) {
          await writeFile(path.resolve(options.out), text);
          process.stderr.write(`${rows.length} face(s) written to ${path.resolve(options.out)}\n`);
        } else {
          process.stdout.write(text);
        }
      }),
    );

  program
    .command('export-annotated')
    .description("write copies of a person's photos with the faces boxed and named")
    .requiredOption('--person <name>', 'the person (name, or id)')
    .requiredOption('--out <dir>', 'folder for the copies (created if needed)')
    .option('--include-suggested', 'also photos where the person is only suggested', false)
    .option(...db)
    .action((options: DbOption & { person: string; out: string; includeSuggested: boolean }) =>
      withLibrary(options, async (library) => {
        const person = findPerson(library.db, options.person);
        if (!person) throw new PeopleError(`there is no person named "${options.person}"`);
        const summary = await exportAnnotated(library.db, person, path.resolve(options.out), { includeSuggested: options.includeSuggested });
        for (const file of summary.written) say(`wrote ${file}`);
        for (const e of summary.errors) say(`error: ${e.file}: ${e.error}`);
        say(JSON.stringify(summary));
        setExitCode(summary.errors.length > 0 ? EXIT_SOME_FAILED : EXIT_OK);
      }),
    );
}
