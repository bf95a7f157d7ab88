import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box } from '../../src-main/common/geometry.js';
import { uprightSize, type Orientation } from '../../src-main/common/orientation.js';
import { readRegions } from '../../src-main/node/interop/face-regions.js';
import { writeInteropSettings } from '../../src-main/node/interop/interop-settings.js';
import { jpegSegments, XMP_SIGNATURE } from '../../src-main/node/interop/jpeg-xmp.js';
import { exportXmp } from '../../src-main/node/interop/xmp-export.js';
import { importXmpRegions } from '../../src-main/node/interop/xmp-import.js';
import { parseXmpPacket } from '../../src-main/node/interop/xmp-packet.js';
import { makeTempDir, type TempDir } from '../support/library-fixtures.js';
import { facesIn, openPeople, scanOpen, type OpenPeople } from '../support/people-fixtures.js';
import {
  exiftoolAvailable,
  exiftoolRead,
  exiftoolWrite,
  mwgArea,
  PORTRAIT,
  storedPixels,
  uprightBoxOfArea,
  uprightBoxOfRectangle,
  within,
  writeOrientedCopy,
  type ExiftoolRegion,
} from '../support/xmp-fixtures.js';

/**
 * XMP face regions against an independent reader and writer, ExifTool: real copies of a real photo stored with EXIF
 * orientations 1, 3, 6 and 8 (pixels turned accordingly), scanned with the real models into a real library.
 */

const ORIENTATIONS: Orientation[] = [1, 3, 6, 8];
const UPRIGHT = { width: 1382, height: 1868 };
const NAME = 'Angelina Jolie';
/** A place in the upright photo with no face. */
const NO_FACE: Box = [50, 1300, 350, 1700];

let temp: TempDir;
let root: string;
let lib: OpenPeople;
const copy = (o: Orientation): string => path.join(root, `o${o}.jpg`);
const sidecar = (o: Orientation): string => `${copy(o)}.xmp`;
let personId: number;

/** The photo's (one, large) detected face, upright. */
const faceOf = (o: Orientation): { id: number; box: Box } => {
  const face = facesIn(lib.db, copy(o))[0]!;
  return { id: face.id, box: face.box };
};

interface RegionInfo {
  AppliedToDimensions: { W: number; H: number; Unit: string };
  RegionList: ExiftoolRegion[];
}

beforeAll(async () => {
  await exiftoolAvailable();
  temp = await makeTempDir('xmp');
  root = path.join(temp.dir, 'photos');
  for (const o of ORIENTATIONS) await writeOrientedCopy(PORTRAIT, copy(o), o);
  // Another tool's sidecar beside o3: keywords, a rating, a face Facetag does not know, and a pet.
  await exiftoolWrite(sidecar(3), {
    'XMP-dc:Subject': ['holiday', 'beach'],
    'XMP-xmp:Rating': 4,
    'XMP-mwg-rs:RegionInfo': {
      AppliedToDimensions: { W: 1382, H: 1868, Unit: 'pixel' },
      RegionList: [
        { Area: mwgArea(NO_FACE, UPRIGHT, 3), Name: 'Stranger', Type: 'Face' },
        { Area: mwgArea([600, 1500, 700, 1600], UPRIGHT, 3), Name: 'Rex', Type: 'Pet' },
      ],
    },
    'XMP-iptcExt:PersonInImage': ['Stranger'],
  });
  lib = openPeople(path.join(temp.dir, 'library.db'));
  const scan = await scanOpen(lib.library, [root]);
  expect(scan.errors).toEqual([]);
  expect(scan.new).toBe(4);
  // Grouped first, as in the app (so confirming updates an assignment rather than making one).
  lib.people.groupNewFaces();
  for (const o of ORIENTATIONS) personId = lib.people.confirm(faceOf(o).id, { name: NAME });
});

afterAll(async () => {
  lib?.close();
  await temp?.cleanup();
});

describe('writing XMP sidecars', () => {
  it('ExifTool reads back the names and geometry, matching the faces within a pixel (orientations 1, 3, 6, 8)', async () => {
    const summary = exportXmp(lib.db);
    expect(summary.errors).toEqual([]);
    expect(summary.written).toBe(4);
    expect(summary.files.map((f) => [path.basename(f.target), f.action])).toEqual([
      ['o1.jpg.xmp', 'create'],
      ['o3.jpg.xmp', 'update'],
      ['o6.jpg.xmp', 'create'],
      ['o8.jpg.xmp', 'create'],
    ]);
    const read = await exiftoolRead(...ORIENTATIONS.map(sidecar));
    ORIENTATIONS.forEach((o, i) => {
      const tags = read[i]!;
      const face = faceOf(o).box;
      const info = tags['XMP-mwg-rs:RegionInfo'] as RegionInfo;
      const stored = uprightSize(UPRIGHT, o);
      expect(info.AppliedToDimensions).toEqual({ W: stored.width, H: stored.height, Unit: 'pixel' });
      const ours = info.RegionList.filter((r) => r.Name === NAME);
      expect(ours, `orientation ${o}`).toHaveLength(1);
      expect(ours[0]!.Type).toBe('Face');
      expect(ours[0]!.Area.Unit).toBe('normalized');
      const box = uprightBoxOfArea(ours[0]!.Area, UPRIGHT, o);
      expect(within(box, face, 1), `orientation ${o}: ${box.join(',')} vs ${face.join(',')}`).toBe(true);
      const mp = (tags['XMP-MP:RegionInfoMP'] as { Regions: { PersonDisplayName: string; Rectangle: string }[] }).Regions;
      const mine = mp.find((r) => r.PersonDisplayName === NAME)!;
      expect(within(uprightBoxOfRectangle(mine.Rectangle, UPRIGHT, o), face, 1), `MP, orientation ${o}`).toBe(true);
      expect(tags['XMP-iptcExt:PersonInImage']).toContain(NAME);
    });
  });

  it("keeps another tool's metadata and regions in an existing sidecar", async () => {
    const [tags] = await exiftoolRead(sidecar(3));
    expect(tags!['XMP-dc:Subject']).toEqual(['holiday', 'beach']);
    expect(tags!['XMP-xmp:Rating']).toBe(4);
    const regions = (tags!['XMP-mwg-rs:RegionInfo'] as RegionInfo).RegionList;
    expect(regions.map((r) => [r.Name, r.Type])).toEqual([
      ['Stranger', 'Face'],
      ['Rex', 'Pet'],
      [NAME, 'Face'],
    ]);
    expect(within(uprightBoxOfArea(regions[0]!.Area, UPRIGHT, 3), NO_FACE, 1)).toBe(true);
    expect(tags!['XMP-iptcExt:PersonInImage']).toEqual(['Stranger', NAME]);
  });

  it('writes nothing new when nothing changed, and replaces only its own regions when a name changes', async () => {
    const again = exportXmp(lib.db);
    expect(again.written).toBe(0);
    expect(again.unchanged).toBe(4);
    lib.people.name(personId, 'Angie');
    expect(exportXmp(lib.db).written).toBe(4);
    const [tags] = await exiftoolRead(sidecar(3));
    expect((tags!['XMP-mwg-rs:RegionInfo'] as RegionInfo).RegionList.map((r) => r.Name)).toEqual(['Stranger', 'Rex', 'Angie']);
    expect(tags!['XMP-iptcExt:PersonInImage']).toEqual(['Stranger', 'Angie']);
    expect(tags!['XMP-dc:Subject']).toEqual(['holiday', 'beach']);
  });

  it('a dry run writes nothing and says what it would write', async () => {
    const before = await readFile(sidecar(1), 'utf8');
    const dry = exportXmp(lib.db, { dryRun: true, style: 'lightroom' });
    expect(dry.files.map((f) => [path.basename(f.target), f.action, f.names])).toEqual(
      ORIENTATIONS.map((o) => [`o${o}.xmp`, 'create', ['Angie']]),
    );
    for (const o of ORIENTATIONS) expect(existsSync(path.join(root, `o${o}.xmp`))).toBe(false);
    expect(await readFile(sidecar(1), 'utf8')).toBe(before);
  });
});

describe('embedding XMP in the photo (--embed)', () => {
  it('changes only the XMP segment: identical pixels, regions ExifTool reads, the photo’s own XMP kept', async () => {
    const originals = new Map<Orientation, Buffer>();
    for (const o of ORIENTATIONS) originals.set(o, await readFile(copy(o)));
    const summary = exportXmp(lib.db, { embed: true });
    expect(summary.errors).toEqual([]);
    expect(summary.written).toBe(4);
    const read = await exiftoolRead(...ORIENTATIONS.map(copy));
    for (const [i, o] of ORIENTATIONS.entries()) {
      const original = originals.get(o)!;
      const now = await readFile(copy(o));
      expect((await storedPixels(copy(o))).equals(await storedPixels(await writeTemp(original))), `pixels, orientation ${o}`).toBe(true);
      // Every byte outside the XMP segment is the original's.
      expect(withoutXmp(now).equals(withoutXmp(original))).toBe(true);
      const tags = read[i]!;
      expect(tags['IFD0:Orientation']).toBe(o);
      expect(tags['XMP-xmpMM:DocumentID']).toBe('adobe:docid:photoshop:3a1cbd68-b76f-11e9-b8a2-f54a499670a6');
      const regions = (tags['XMP-mwg-rs:RegionInfo'] as RegionInfo).RegionList;
      expect(regions.map((r) => r.Name)).toEqual(['Angie']);
      expect(within(uprightBoxOfArea(regions[0]!.Area, UPRIGHT, o), faceOf(o).box, 1)).toBe(true);
    }
    // The library knows the new files as the same photos: a scan finds nothing to re-detect.
    const rescan = await scanOpen(lib.library, [root]);
    expect(rescan.unchanged).toBe(4);
    expect(rescan.changed).toBe(0);
  });
});

describe('writing sidecars automatically (interop.writeSidecars)', () => {
  it('off by default; when on, naming, rejecting and undoing rewrite the affected sidecars', async () => {
    const names = async (file: string): Promise<(string | null)[]> => readRegions(parseXmpPacket(await readFile(file, 'utf8'))).regions.filter((r) => r.format === 'mwg').map((r) => r.name);
    lib.people.name(personId, 'Not written');
    expect(await names(sidecar(1))).toEqual(['Angie']);
    writeInteropSettings(lib.db, { writeSidecars: true });
    lib.people.name(personId, 'Angelina');
    for (const o of ORIENTATIONS) expect(await names(sidecar(o))).toContain('Angelina');
    expect(await names(sidecar(3))).toEqual(['Stranger', 'Rex', 'Angelina']);
    lib.people.reject(faceOf(6).id, personId);
    expect(await names(sidecar(6))).toEqual([]);
    expect(await names(sidecar(1))).toEqual(['Angelina']);
    lib.people.undoLast();
    expect(await names(sidecar(6))).toEqual(['Angelina']);
    writeInteropSettings(lib.db, { writeSidecars: false });
  });
});

describe('reading XMP on scan', () => {
  it('regions written by ExifTool confirm the faces they cover, elsewhere become faces drawn by hand, once', async () => {
    const importRoot = path.join(temp.dir, 'import');
    const o8 = path.join(importRoot, 'o8.jpg');
    const o1 = path.join(importRoot, 'o1.jpg');
    await writeOrientedCopy(PORTRAIT, o8, 8);
    await writeOrientedCopy(PORTRAIT, o1, 1);
    const face8 = faceOf(8).box;
    // A Lightroom-style sidecar (photo.xmp) with an MWG region on the face and one where there is no face, and the
    // Microsoft copy of the first (the same region: imported once).
    const lightroomSidecar = path.join(importRoot, 'o8.xmp');
    await exiftoolWrite(lightroomSidecar, {
      'XMP-mwg-rs:RegionInfo': {
        AppliedToDimensions: { W: 1868, H: 1382, Unit: 'pixel' },
        RegionList: [
          { Area: mwgArea(face8, UPRIGHT, 8), Name: 'Named Elsewhere', Type: 'Face' },
          { Area: mwgArea(NO_FACE, UPRIGHT, 8), Name: 'Someone Else', Type: 'Face' },
        ],
      },
      'XMP-MP:RegionInfoMP': {
        Regions: [{ PersonDisplayName: 'Named Elsewhere', Rectangle: mpRectangle(mwgArea(face8, UPRIGHT, 8)) }],
      },
    });
    // A writer that put its region in the upright frame (and said so with the upright size) on a turned photo.
    const o6 = path.join(importRoot, 'o6.jpg');
    await writeOrientedCopy(PORTRAIT, o6, 6);
    const face6 = faceOf(6).box;
    await exiftoolWrite(`${o6}.xmp`, {
      'XMP-mwg-rs:RegionInfo': {
        AppliedToDimensions: { W: 1382, H: 1868, Unit: 'pixel' },
        RegionList: [{ Area: mwgArea(face6, UPRIGHT, 1), Name: 'Upright Writer', Type: 'Face' }],
      },
    });
    // Regions embedded in the photo itself.
    await exiftoolWrite(o1, {
      'XMP-mwg-rs:RegionInfo': {
        AppliedToDimensions: { W: 1382, H: 1868, Unit: 'pixel' },
        RegionList: [{ Area: mwgArea(faceOf(1).box, UPRIGHT, 1), Name: 'Embedded Name', Type: 'Face' }],
      },
    });
    const other = openPeople(path.join(temp.dir, 'import.db'));
    try {
      expect((await scanOpen(other.library, [importRoot])).errors).toEqual([]);
      const summary = await importXmpRegions(other.people);
      expect(summary.errors).toEqual([]);
      expect({ regions: summary.regions, confirmed: summary.confirmed, manual: summary.manual }).toEqual({ regions: 4, confirmed: 3, manual: 1 });
      expect(personName(other, facesIn(other.db, o6)[0]!.personId!)).toBe('Upright Writer');
      const faces8 = facesIn(other.db, o8);
      const detected = faces8.find((f) => f.status === 'confirmed' && f.area > 100_000)!;
      expect(detected).toBeDefined();
      expect(personName(other, detected.personId!)).toBe('Named Elsewhere');
      const manual = other.db.prepare("SELECT id, x1, y1, x2, y2 FROM faces WHERE origin = 'manual'").all() as { id: number; x1: number; y1: number; x2: number; y2: number }[];
      expect(manual).toHaveLength(1);
      expect(within([manual[0]!.x1, manual[0]!.y1, manual[0]!.x2, manual[0]!.y2], NO_FACE, 1)).toBe(true);
      const manualFace = faces8.find((f) => f.id === manual[0]!.id)!;
      expect(manualFace.status).toBe('confirmed');
      expect(personName(other, manualFace.personId!)).toBe('Someone Else');
      const face1 = facesIn(other.db, o1)[0]!;
      expect(face1.status).toBe('confirmed');
      expect(personName(other, face1.personId!)).toBe('Embedded Name');
      // Each region once: nothing new on the next import, even after the sidecar is rewritten.
      expect((await importXmpRegions(other.people)).regions).toBe(0);
      await exiftoolWrite(lightroomSidecar, { 'XMP-dc:Subject': ['edited'] });
      const again = await importXmpRegions(other.people);
      expect(again.photos).toBe(1);
      expect(again.regions).toBe(0);
      expect(other.db.prepare('SELECT count(*) FROM faces').pluck().get()).toBe(4);
    } finally {
      other.close();
    }
  });
});

const mpRectangle = (a: { X: number; Y: number; W: number; H: number }): string => [a.X - a.W / 2, a.Y - a.H / 2, a.W, a.H].join(', ');

function personName(o: OpenPeople, id: number): string | null {
  return (o.db.prepare('SELECT name FROM people WHERE id = ?').pluck().get(id) as string | null) ?? null;
}

/** The bytes of a JPEG without its standard XMP segment. */
function withoutXmp(bytes: Buffer): Buffer {
  const xmp = jpegSegments(bytes).segments.find((s) => bytes.subarray(s.dataStart, s.dataStart + XMP_SIGNATURE.length).equals(XMP_SIGNATURE));
  return xmp ? Buffer.concat([bytes.subarray(0, xmp.start), bytes.subarray(xmp.end)]) : bytes;
}

let temps = 0;
async function writeTemp(bytes: Buffer): Promise<string> {
  const file = path.join(temp.dir, `original-${temps++}.jpg`);
  await writeFile(file, bytes);
  return file;
}
