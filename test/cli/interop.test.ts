import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box } from '../../src-main/common/geometry.js';
import type { Orientation } from '../../src-main/common/orientation.js';
import { makeTempDir, lastJsonLine, type TempDir } from '../support/library-fixtures.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import {
  exiftoolAvailable,
  exiftoolRead,
  exiftoolWrite,
  mwgArea,
  PORTRAIT,
  uprightBoxOfArea,
  within,
  writeOrientedCopy,
  type ExiftoolRegion,
} from '../support/xmp-fixtures.js';

/**
 * `facetag export-xmp | export | export-annotated | auto-sidecars | import-xmp`, and names from XMP on `scan`, end
 * to end as a user runs them (bin/facetag.js → dist/), on copies of a real photo stored with orientations 1 and 6.
 */

const UPRIGHT = { width: 1382, height: 1868 };
const NAME = 'Angelina Jolie';

interface FaceJson {
  id: number;
  file: string;
  box: Box;
  status: string;
}
interface PeopleJson {
  people: { id: number; name: string | null; faces: FaceJson[] }[];
  unassigned: { id: number; file: string; box: Box }[];
}

let temp: TempDir;
let root: string;
let db: string;
const copy = (o: Orientation): string => path.join(root, `o${o}.jpg`);

async function facetag(...args: string[]): Promise<CliResult> {
  return runCli([...args, '--db', db]);
}

async function ok(...args: string[]): Promise<string> {
  const result = await facetag(...args);
  expect(result.code, `facetag ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

async function peopleJson(): Promise<PeopleJson> {
  return JSON.parse(await ok('people', '--json')) as PeopleJson;
}

/** All faces of a photo, largest first. */
function facesOf(json: PeopleJson, file: string): (FaceJson & { personId: number | null; name: string | null })[] {
  const all = [
    ...json.people.flatMap((p) => p.faces.filter((f) => f.file === file).map((f) => ({ ...f, personId: p.id as number | null, name: p.name }))),
    ...json.unassigned.filter((f) => f.file === file).map((f) => ({ ...f, status: 'none', personId: null, name: null })),
  ];
  const area = (b: Box): number => (b[2] - b[0]) * (b[3] - b[1]);
  return all.sort((a, b) => area(b.box) - area(a.box));
}

beforeAll(async () => {
  await exiftoolAvailable();
  temp = await makeTempDir('cli-interop');
  root = path.join(temp.dir, 'photos');
  db = path.join(temp.dir, 'library.db');
  for (const o of [1, 6] as const) await writeOrientedCopy(PORTRAIT, copy(o), o);
  const scan = await runCli(['scan', root, '--db', db, '--workers', '2']);
  expect(scan.code, scan.stderr).toBe(0);
  const json = await peopleJson();
  for (const o of [1, 6] as const) await ok('confirm', String(facesOf(json, copy(o))[0]!.id), '--name', NAME);
});

afterAll(async () => {
  await temp?.cleanup();
});

interface ExportSummary {
  dryRun: boolean;
  embed: boolean;
  photos: number;
  written: number;
  unchanged: number;
  errors: unknown[];
  files: { photo: string; target: string; action: string; names: string[] }[];
}

describe('facetag export-xmp', () => {
  it('--dry-run lists what it would write and writes nothing', async () => {
    const stdout = await ok('export-xmp', '--dry-run');
    expect(stdout).toContain(`would create ${copy(1)}.xmp: ${NAME}`);
    const summary = lastJsonLine<ExportSummary>(stdout);
    expect(summary).toMatchObject({ dryRun: true, embed: false, photos: 2, written: 2, errors: [] });
    expect(existsSync(`${copy(1)}.xmp`)).toBe(false);
    expect(existsSync(`${copy(6)}.xmp`)).toBe(false);
  });

  it('writes photo.jpg.xmp sidecars that ExifTool reads as MWG regions matching the faces', async () => {
    const summary = lastJsonLine<ExportSummary>(await ok('export-xmp'));
    expect(summary.files.map((f) => [f.target, f.action])).toEqual([
      [`${copy(1)}.xmp`, 'create'],
      [`${copy(6)}.xmp`, 'create'],
    ]);
    const json = await peopleJson();
    const read = await exiftoolRead(`${copy(1)}.xmp`, `${copy(6)}.xmp`);
    for (const [i, o] of ([1, 6] as const).entries()) {
      const regions = (read[i]!['XMP-mwg-rs:RegionInfo'] as { RegionList: ExiftoolRegion[] }).RegionList;
      expect(regions.map((r) => r.Name)).toEqual([NAME]);
      const face = facesOf(json, copy(o))[0]!;
      expect(within(uprightBoxOfArea(regions[0]!.Area, UPRIGHT, o), face.box, 1), `orientation ${o}`).toBe(true);
      expect(read[i]!['XMP-iptcExt:PersonInImage']).toEqual([NAME]);
    }
    // Originals untouched: no XMP regions in the photos.
    const [photo] = await exiftoolRead(copy(1));
    expect(photo!['XMP-mwg-rs:RegionInfo']).toBeUndefined();
  });

  it('--sidecar-style lightroom writes photo.xmp', async () => {
    const summary = lastJsonLine<ExportSummary>(await ok('export-xmp', '--sidecar-style', 'lightroom'));
    expect(summary.written).toBe(2);
    const [tags] = await exiftoolRead(path.join(root, 'o6.xmp'));
    expect((tags!['XMP-mwg-rs:RegionInfo'] as { RegionList: ExiftoolRegion[] }).RegionList.map((r) => r.Name)).toEqual([NAME]);
    expect((await facetag('export-xmp', '--sidecar-style', 'picasa')).code).toBe(2);
  });
});

describe('facetag export', () => {
  const COLUMNS = ['file', 'faceId', 'personId', 'person', 'status', 'confidence', 'x1', 'y1', 'x2', 'y2', 'capturedAt'];

  it('--format json: one row per face', async () => {
    const json = await peopleJson();
    const rows = JSON.parse(await ok('export', '--format', 'json')) as Record<string, unknown>[];
    const faceCount = json.people.reduce((n, p) => n + p.faces.length, 0) + json.unassigned.length;
    expect(rows).toHaveLength(faceCount);
    for (const row of rows) expect(Object.keys(row)).toEqual(COLUMNS);
    for (const o of [1, 6] as const) {
      const face = facesOf(json, copy(o))[0]!;
      const row = rows.find((r) => r['faceId'] === face.id)!;
      expect(row).toMatchObject({ file: copy(o), personId: face.personId, person: NAME, status: 'confirmed', confidence: 1 });
      expect([row['x1'], row['y1'], row['x2'], row['y2']]).toEqual(face.box);
      expect(row['capturedAt']).toMatch(/^2019-07-20T17:45:22/);
    }
  });

  it('--format csv: a header and the same rows', async () => {
    const csv = await ok('export', '--format', 'csv');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(COLUMNS.join(','));
    const rows = JSON.parse(await ok('export', '--format', 'json')) as Record<string, unknown>[];
    expect(lines).toHaveLength(rows.length + 1);
    const first = rows[0]!;
    expect(lines[1]).toBe(COLUMNS.map((c) => (first[c] === null ? '' : String(first[c]))).join(','));
    expect((await facetag('export', '--format', 'xml')).code).toBe(2);
  });
});

describe('facetag export-annotated', () => {
  it("writes upright copies of the person's photos with the boxes drawn", async () => {
    const out = path.join(temp.dir, 'annotated');
    const stdout = await ok('export-annotated', '--person', NAME.toLowerCase(), '--out', out);
    expect(lastJsonLine<{ written: string[] }>(stdout).written).toHaveLength(2);
    expect((await readdir(out)).sort()).toEqual(['o1.jpg', 'o6.jpg']);
    const json = await peopleJson();
    for (const o of [1, 6] as const) {
      const file = path.join(out, `o${o}.jpg`);
      const meta = await sharp(file).metadata();
      expect([meta.width, meta.height]).toEqual([UPRIGHT.width, UPRIGHT.height]);
      // The box's left edge is drawn in the box colour (#30d158).
      const [x1, y1, , y2] = facesOf(json, copy(o))[0]!.box;
      const { data } = await sharp(file).extract({ left: Math.round(x1), top: Math.round((y1 + y2) / 2), width: 1, height: 1 }).raw().toBuffer({ resolveWithObject: true });
      expect(Math.abs(data[0]! - 0x30) + Math.abs(data[1]! - 0xd1) + Math.abs(data[2]! - 0x58), `orientation ${o}`).toBeLessThan(90);
    }
    const missing = await facetag('export-annotated', '--person', 'Nobody', '--out', out);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no person named "Nobody"/);
  });
});

describe('names travel both ways', () => {
  it('auto-sidecars on: naming rewrites the sidecars; undo too', async () => {
    expect(JSON.parse(await ok('auto-sidecars'))).toEqual({ writeSidecars: false, sidecarStyle: 'digikam' });
    expect(JSON.parse(await ok('auto-sidecars', 'on'))).toEqual({ writeSidecars: true, sidecarStyle: 'digikam' });
    const json = await peopleJson();
    const person = json.people.find((p) => p.name === NAME)!;
    await ok('name', String(person.id), 'Angie');
    const names = async (): Promise<unknown> =>
      ((await exiftoolRead(`${copy(6)}.xmp`))[0]!['XMP-mwg-rs:RegionInfo'] as { RegionList: ExiftoolRegion[] }).RegionList.map((r) => r.Name);
    expect(await names()).toEqual(['Angie']);
    await ok('undo');
    expect(await names()).toEqual([NAME]);
  });

  it('scan reads names made elsewhere: a region over a face confirms it, one elsewhere adds a face', async () => {
    const other = path.join(temp.dir, 'from-digikam');
    const photo = path.join(other, 'o8.jpg');
    await writeOrientedCopy(PORTRAIT, photo, 8);
    const json = await peopleJson();
    const faceBox = facesOf(json, copy(1))[0]!.box;
    await exiftoolWrite(`${photo}.xmp`, {
      'XMP-mwg-rs:RegionInfo': {
        AppliedToDimensions: { W: 1868, H: 1382, Unit: 'pixel' },
        RegionList: [
          { Area: mwgArea(faceBox, UPRIGHT, 8), Name: 'Named Elsewhere', Type: 'Face' },
          { Area: mwgArea([60, 1400, 300, 1700], UPRIGHT, 8), Name: 'Also Elsewhere', Type: 'Face' },
        ],
      },
    });
    const scan = await runCli(['scan', other, '--db', db, '--workers', '2']);
    expect(scan.code, scan.stderr).toBe(0);
    expect(scan.stderr).toMatch(/names from XMP: 2 new region\(s\) \(XMP of \d+ photo\(s\) read\): 1 face\(s\) confirmed, 1 face\(s\) added/);
    const after = await peopleJson();
    const faces = facesOf(after, photo);
    expect(faces[0]!.name).toBe('Named Elsewhere');
    expect(faces[0]!.status).toBe('confirmed');
    const added = faces.find((f) => f.name === 'Also Elsewhere')!;
    expect(added.status).toBe('confirmed');
    expect(within(added.box, [60, 1400, 300, 1700], 1)).toBe(true);
    // import-xmp finds nothing new.
    expect(lastJsonLine<{ regions: number }>(await ok('import-xmp')).regions).toBe(0);
  });
});
