import { iou, type Box } from '../../common/geometry.js';
import type { Size } from '../../common/orientation.js';
import {
  aboutOf,
  arrayItemElements,
  emptyXmpPacket,
  field,
  findProperties,
  itemsOf,
  NS,
  readPropertyElement,
  removeEmptyDescriptions,
  removeProperties,
  serializeXmpPacket,
  structFieldElement,
  textOf,
  type XmpPacket,
  type XmpValue,
} from './xmp-packet.js';
import { detachWithNamespaces, element, enterScope, textNode, type NamespaceScope, type XmlElement, type XmlNode } from './xml.js';

/**
 * Face regions in XMP, in the two forms photo tools use:
 *
 * - Metadata Working Group (mwg-rs:Regions): digiKam, Lightroom, Picasa, darktable, Immich, ExifTool. Each region's
 *   Area is its normalised centre x, y and size w, h in the STORED image (before the EXIF orientation is applied);
 *   AppliedToDimensions gives the stored image's size in pixels.
 * - Microsoft (MP:RegionInfo, Windows Photo Gallery): each region's Rectangle is "x, y, w, h", normalised, top-left
 *   corner, in the stored image too; PersonDisplayName is the name.
 *
 * plus Iptc4xmpExt:PersonInImage, the names alone.
 *
 * Which regions are Facetag's (replaced on each write) and which are another tool's (kept as written):
 * a Face region (or a region without a type) is Facetag's when Facetag wrote it last time, that is when its name and
 * area are in the packet's facetag:Regions list, or when it overlaps (IoU >= 0.5) a face Facetag writes now: the
 * same face, whose name Facetag now knows better (IoU >= 0.3 is enough when the names agree: another tool drew the
 * same face bigger). Every other region survives untouched: other types (pets, focus points), and faces Facetag
 * does not know. Names in PersonInImage survive unless they belonged only to regions Facetag replaced.
 */

/** Regions at least this similar (IoU of their normalised areas) are the same face. */
export const SAME_REGION_IOU = 0.5;
/** ... or at least this similar when they carry the same name (the import's threshold for "over this face"). */
export const SAME_NAMED_REGION_IOU = 0.3;

export type RegionFormat = 'mwg' | 'mp';

/** A region as read from a packet. */
export interface XmpRegion {
  readonly format: RegionFormat;
  readonly name: string | null;
  /** 'Face', 'Pet', 'Focus', 'BarCode'...; 'Face' for Microsoft regions; null when the region gives none. */
  readonly type: string | null;
  /** Normalised [x1, y1, x2, y2] in the stored image, or null when the region's area cannot be read. */
  readonly area: Box | null;
}

export interface RegionsInPacket {
  readonly regions: XmpRegion[];
  /** mwg-rs:AppliedToDimensions (pixels), when given. */
  readonly appliedTo: Size | null;
  readonly personInImage: string[];
  /** What Facetag wrote last time (facetag:Regions). */
  readonly written: WrittenRegion[];
}

/** A face region to write: a name and a normalised [x1, y1, x2, y2] area in the stored image. */
export interface RegionToWrite {
  readonly name: string;
  readonly area: Box;
}

interface WrittenRegion {
  readonly name: string;
  readonly area: Box;
}

const TOLERANCE = 1e-5;

/** Numbers as written: at most 6 decimals, no exponent, no trailing zeros. */
export function formatNumber(v: number): string {
  const fixed = v.toFixed(6).replace(/\.?0+$/, '');
  return fixed === '-0' || fixed === '' ? '0' : fixed;
}

const parseNumber = (s: string | undefined): number => (s === undefined || s.trim() === '' ? NaN : Number(s.trim()));

/** An MWG area (centre, size) as a box. */
export function mwgAreaToBox(x: number, y: number, w: number, h: number): Box {
  return [x - w / 2, y - h / 2, x + w / 2, y + h / 2];
}

const finiteBox = (b: Box): Box | null => (b.every(Number.isFinite) && b[2] > b[0] && b[3] > b[1] ? b : null);

/**
 * What a region looks like once written: the numbers rounded as they are written, then read back. Import keys and
 * export keys are made from these, so a region Facetag wrote is recognised when it is read back.
 */
export function asWritten(area: Box): { x: string; y: string; w: string; h: string; box: Box } {
  const clamp = (v: number): number => Math.min(1, Math.max(0, v));
  const [x1, y1, x2, y2] = area.map(clamp) as unknown as Box;
  const x = formatNumber((x1 + x2) / 2);
  const y = formatNumber((y1 + y2) / 2);
  const w = formatNumber(x2 - x1);
  const h = formatNumber(y2 - y1);
  return { x, y, w, h, box: mwgAreaToBox(Number(x), Number(y), Number(w), Number(h)) };
}

/** A stable key of a named region: its name (case folded) and its area to 3 decimals (the stored frame). */
export function regionKey(name: string, area: Box): string {
  return `${name.trim().toLowerCase()}@${area.map((v) => v.toFixed(3)).join(',')}`;
}

function readMwgRegion(value: XmpValue, appliedTo: Size | null): XmpRegion {
  const area = field(value, NS.mwgRs, 'Area');
  const num = (local: string): number => parseNumber(textOf(field(area, NS.stArea, local)));
  const unit = (textOf(field(area, NS.stArea, 'unit')) ?? 'normalized').trim().toLowerCase();
  let [x, y, w, h] = [num('x'), num('y'), num('w'), num('h')];
  let box: Box | null = null;
  if (unit === 'normalized') box = finiteBox(mwgAreaToBox(x, y, w, h));
  else if (unit === 'pixel' && appliedTo) {
    [x, y, w, h] = [x / appliedTo.width, y / appliedTo.height, w / appliedTo.width, h / appliedTo.height];
    box = finiteBox(mwgAreaToBox(x, y, w, h));
  }
  const name = textOf(field(value, NS.mwgRs, 'Name'))?.trim();
  const type = textOf(field(value, NS.mwgRs, 'Type'))?.trim();
  return { format: 'mwg', name: name || null, type: type || null, area: box };
}

function readMpRegion(value: XmpValue): XmpRegion {
  const rectangle = textOf(field(value, NS.mpreg, 'Rectangle'));
  const parts = (rectangle ?? '').split(',').map(parseNumber);
  const box = parts.length === 4 ? finiteBox([parts[0]!, parts[1]!, parts[0]! + parts[2]!, parts[1]! + parts[3]!]) : null;
  const name = textOf(field(value, NS.mpreg, 'PersonDisplayName'))?.trim();
  return { format: 'mp', name: name || null, type: 'Face', area: box };
}

function readAppliedTo(regions: XmpValue): Size | null {
  const dims = field(regions, NS.mwgRs, 'AppliedToDimensions');
  const w = parseNumber(textOf(field(dims, NS.stDim, 'w')));
  const h = parseNumber(textOf(field(dims, NS.stDim, 'h')));
  return w > 0 && h > 0 ? { width: w, height: h } : null;
}

function parseWritten(text: string): WrittenRegion | null {
  const parts = text.split(',');
  if (parts.length < 5) return null;
  const [x, y, w, h] = parts.slice(0, 4).map(parseNumber) as [number, number, number, number];
  const box = finiteBox(mwgAreaToBox(x, y, w, h));
  const name = parts.slice(4).join(',');
  return box && name ? { name, area: box } : null;
}

/** Every face region (and other region) of a packet, both forms, with the names of PersonInImage. */
export function readRegions(packet: XmpPacket): RegionsInPacket {
  const regions: XmpRegion[] = [];
  let appliedTo: Size | null = null;
  for (const ref of findProperties(packet, NS.mwgRs, 'Regions')) {
    const dims = readAppliedTo(ref.value);
    appliedTo ??= dims;
    for (const item of itemsOf(field(ref.value, NS.mwgRs, 'RegionList'))) regions.push(readMwgRegion(item, dims));
  }
  for (const ref of findProperties(packet, NS.mp, 'RegionInfo')) {
    for (const item of itemsOf(field(ref.value, NS.mpri, 'Regions'))) regions.push(readMpRegion(item));
  }
  const personInImage = findProperties(packet, NS.iptcExt, 'PersonInImage')
    .flatMap((ref) => itemsOf(ref.value).map(textOf))
    .filter((n): n is string => typeof n === 'string' && n.trim() !== '');
  const written = findProperties(packet, NS.facetag, 'Regions')
    .flatMap((ref) => itemsOf(ref.value).map(textOf))
    .map((t) => (t === undefined ? null : parseWritten(t)))
    .filter((w): w is WrittenRegion => w !== null);
  return { regions, appliedTo, personInImage, written };
}

// ---- writing ----------------------------------------------------------------------------------------------------

interface KeptItem {
  readonly element: XmlElement;
  readonly parentScope: NamespaceScope;
  readonly region: XmpRegion;
}

const isFaceType = (type: string | null): boolean => type === null || type.toLowerCase() === 'face';
const close = (a: Box, b: Box): boolean => a.every((v, i) => Math.abs(v - b[i]!) <= TOLERANCE);

export interface RegionWriteResult {
  readonly text: string;
  /** Regions of other tools (and other types) kept. */
  readonly kept: number;
  /** Regions Facetag replaced or removed (its own from last time, or the same faces). */
  readonly replaced: number;
  readonly names: string[];
}

/** The MWG and Microsoft region items of a packet, as elements, with their parsed regions. */
function regionItems(packet: XmpPacket): { mwg: KeptItem[]; mp: KeptItem[] } {
  const mwg: KeptItem[] = [];
  const mp: KeptItem[] = [];
  for (const ref of findProperties(packet, NS.mwgRs, 'Regions')) {
    if (!ref.element) continue;
    const dims = readAppliedTo(ref.value);
    const list = structFieldElement(ref.element, ref.description.scope, NS.mwgRs, 'RegionList');
    if (!list) continue;
    for (const item of arrayItemElements(list.element, list.parentScope)) {
      mwg.push({ ...item, region: readMwgRegion(readPropertyElement(item.element, item.parentScope), dims) });
    }
  }
  for (const ref of findProperties(packet, NS.mp, 'RegionInfo')) {
    if (!ref.element) continue;
    const list = structFieldElement(ref.element, ref.description.scope, NS.mpri, 'Regions');
    if (!list) continue;
    for (const item of arrayItemElements(list.element, list.parentScope)) {
      mp.push({ ...item, region: readMpRegion(readPropertyElement(item.element, item.parentScope)) });
    }
  }
  return { mwg, mp };
}

const indent = (depth: number): XmlNode => textNode(`\n${' '.repeat(depth)}`);

/**
 * Lays out elements Facetag built, one child per line: an element whose children are all elements gets indented
 * children; one with any text (a value, or a kept element with its own layout) is left as it is.
 */
function layOut(el: XmlElement, depth: number): XmlElement {
  if (el.children.length === 0 || el.children.some((c) => c.type !== 'element')) return el;
  el.children = [...el.children.flatMap((c) => [indent(depth + 1), layOut(c as XmlElement, depth + 1)]), indent(depth)];
  return el;
}

const simple = (name: string, value: string): XmlElement => element(name, {}, [textNode(value)]);
const resource = (name: string, fields: XmlElement[]): XmlElement => element(name, { 'rdf:parseType': 'Resource' }, fields);
const bag = (name: string, items: XmlElement[]): XmlElement => element(name, {}, [element('rdf:Bag', {}, items)]);

/**
 * Writes Facetag's face regions into a packet (a new one when `packet` is null), keeping everything else, and
 * returns the packet's new text. `stored` is the stored image's size in pixels (AppliedToDimensions).
 */
export function writeRegions(packet: XmpPacket | null, ours: readonly RegionToWrite[], stored: Size, toolkit: string): RegionWriteResult {
  const target = packet ?? emptyXmpPacket(toolkit);
  const before = readRegions(target);
  const items = regionItems(target);
  const written = ours.map((r) => ({ name: r.name, ...asWritten(r.area) }));

  const isOurs = (region: XmpRegion): boolean => {
    if (!isFaceType(region.type) || !region.area) return false;
    const area = region.area;
    if (before.written.some((w) => w.name === region.name && close(w.area, area))) return true;
    // The same face: overlapping a lot, or overlapping under the same name (another tool drew it bigger).
    const sameName = (w: { name: string }): boolean => region.name !== null && w.name.toLowerCase() === region.name.toLowerCase();
    return written.some((w) => iou(w.box, area) >= SAME_REGION_IOU || (sameName(w) && iou(w.box, area) >= SAME_NAMED_REGION_IOU));
  };
  const keptMwg = items.mwg.filter((i) => !isOurs(i.region));
  const keptMp = items.mp.filter((i) => !isOurs(i.region));
  const removed = [...items.mwg, ...items.mp].filter((i) => isOurs(i.region));
  const keptNames = new Set([...keptMwg, ...keptMp].map((i) => i.region.name).filter((n) => n !== null));
  const removedNames = new Set([...removed.map((i) => i.region.name), ...before.written.map((w) => w.name)].filter((n) => n !== null));
  const names = [...new Set(written.map((w) => w.name))];
  const personInImage = [
    ...new Set([...before.personInImage.filter((n) => !removedNames.has(n) || keptNames.has(n)), ...names]),
  ];

  const about = aboutOf(target);
  for (const [uri, local] of [
    [NS.mwgRs, 'Regions'],
    [NS.mp, 'RegionInfo'],
    [NS.iptcExt, 'PersonInImage'],
    [NS.facetag, 'Regions'],
  ] as const) {
    removeProperties(target, uri, local);
  }
  removeEmptyDescriptions(target);

  const declarations: Record<string, string> = {};
  if (target.rdfScope.get('rdf') !== NS.rdf) declarations['xmlns:rdf'] = NS.rdf;
  const withMwg = keptMwg.length + written.length > 0;
  const withMp = keptMp.length + written.length > 0;
  if (withMwg) Object.assign(declarations, { 'xmlns:mwg-rs': NS.mwgRs, 'xmlns:stArea': NS.stArea, 'xmlns:stDim': NS.stDim });
  if (withMp) Object.assign(declarations, { 'xmlns:MP': NS.mp, 'xmlns:MPRI': NS.mpri, 'xmlns:MPReg': NS.mpreg });
  if (personInImage.length > 0) declarations['xmlns:Iptc4xmpExt'] = NS.iptcExt;
  if (written.length > 0) declarations['xmlns:facetag'] = NS.facetag;
  const description = element('rdf:Description', { 'rdf:about': about, ...declarations });
  // Kept items of other tools move into this description: they carry the declarations they need.
  const scope = enterScope(description, target.rdfScope);

  if (withMwg) {
    const list = [
      ...keptMwg.map((i) => detachWithNamespaces(i.element, i.parentScope, scope)),
      ...written.map((w) =>
        resource('rdf:li', [
          resource('mwg-rs:Area', [
            simple('stArea:x', w.x),
            simple('stArea:y', w.y),
            simple('stArea:w', w.w),
            simple('stArea:h', w.h),
            simple('stArea:unit', 'normalized'),
          ]),
          simple('mwg-rs:Type', 'Face'),
          simple('mwg-rs:Name', w.name),
        ]),
      ),
    ];
    const dimensions = resource('mwg-rs:AppliedToDimensions', [
      simple('stDim:w', String(stored.width)),
      simple('stDim:h', String(stored.height)),
      simple('stDim:unit', 'pixel'),
    ]);
    description.children.push(resource('mwg-rs:Regions', [dimensions, bag('mwg-rs:RegionList', list)]));
  }
  if (withMp) {
    const list = [
      ...keptMp.map((i) => detachWithNamespaces(i.element, i.parentScope, scope)),
      ...written.map((w) => {
        const [x1, y1, x2, y2] = w.box;
        const rectangle = [x1, y1, x2 - x1, y2 - y1].map(formatNumber).join(', ');
        return resource('rdf:li', [simple('MPReg:Rectangle', rectangle), simple('MPReg:PersonDisplayName', w.name)]);
      }),
    ];
    description.children.push(resource('MP:RegionInfo', [bag('MPRI:Regions', list)]));
  }
  if (personInImage.length > 0) {
    description.children.push(bag('Iptc4xmpExt:PersonInImage', personInImage.map((n) => simple('rdf:li', n))));
  }
  if (written.length > 0) {
    description.children.push(bag('facetag:Regions', written.map((w) => simple('rdf:li', [w.x, w.y, w.w, w.h, w.name].join(',')))));
  }

  if (description.children.length > 0) {
    const depth = 1;
    layOut(description, depth);
    // Before the closing white space of rdf:RDF, if any.
    const children = target.rdf.children;
    const last = children[children.length - 1];
    const at = last?.type === 'text' && last.text.trim() === '' ? children.length - 1 : children.length;
    children.splice(at, 0, indent(depth), description);
  }
  return {
    text: serializeXmpPacket(target),
    kept: keptMwg.length + keptMp.length,
    replaced: removed.length,
    names,
  };
}
