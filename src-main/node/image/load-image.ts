import { readFile, stat } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import type { RgbImage } from '../../common/raster.js';
import { ImageError, type ImageErrorCode } from './image-error.js';

export interface ProbeOptions {
  /** Refuse images with more pixels than this (decompression bombs); checked from the header. */
  readonly maxPixels?: number;
}

export interface LoadOptions extends ProbeOptions {
  /** Shrink (never enlarge) so the decoded long side is at most this; JPEGs shrink while decoding. */
  readonly maxSide?: number;
}

/** What the header of a photo says, in upright terms. */
export interface PhotoInfo {
  /** Upright size of the full-resolution photo. */
  readonly width: number;
  readonly height: number;
  /** EXIF orientation of the stored file, 1..8 (1 when absent or invalid). */
  readonly orientation: number;
  /** Container format as sharp names it: jpeg, png, webp, tiff, gif, heif (AVIF). */
  readonly format: string;
}

/** A photo decoded upright (EXIF orientation applied), as 8-bit sRGB. */
export interface DecodedPhoto extends PhotoInfo {
  /** Upright pixels, possibly shrunk: pixels.width = round(width * scale). */
  readonly pixels: RgbImage;
  /** pixels.width / width (1 when not shrunk). */
  readonly scale: number;
  /** The raw EXIF block from the header parse the decode needed anyway (so callers need not parse it again). */
  readonly exif?: Buffer;
}

export const DEFAULT_MAX_PIXELS = 200_000_000;

/**
 * The raster formats Facetag opens. sharp also renders SVG (and libvips' own format); a photo library has no
 * use for drawings, and rendering them from untrusted files only adds risk.
 */
const PHOTO_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif', 'heif']);
const PHOTO_FORMAT_LIST = 'JPEG, PNG, WebP, TIFF, GIF or AVIF';
const HEIC_ADVICE = 'HEIC/HEIF photos are not supported yet (convert them to JPEG)';
const WHITE = { r: 255, g: 255, b: 255 };

/** Reads the file once and decodes it upright into 8-bit sRGB; throws ImageError when it cannot. */
export async function loadPhoto(file: string, options: LoadOptions = {}): Promise<DecodedPhoto> {
  const bytes = await readPhotoFile(file);
  return loadPhotoFromBuffer(bytes, file, options);
}

/** As loadPhoto, for bytes already in memory; `file` only names the photo in errors. */
export async function loadPhotoFromBuffer(
  bytes: Uint8Array,
  file: string,
  options: LoadOptions = {},
): Promise<DecodedPhoto> {
  const maxPixels = checkedMaxPixels(options.maxPixels);
  const maxSide = checkedMaxSide(options.maxSide);
  const buffer = asBuffer(bytes);
  if (buffer.length === 0) throw emptyFileError(file);
  try {
    const metadata = await sharp(buffer, { limitInputPixels: false }).metadata();
    const info = photoInfo(metadata, file, maxPixels);
    const pixels = await decodeUpright(buffer, metadata, maxPixels, maxSide);
    return { ...info, pixels, scale: pixels.width / info.width, ...(metadata.exif ? { exif: metadata.exif } : {}) };
  } catch (error) {
    throw error instanceof ImageError ? error : explainFailure(error, buffer, file);
  }
}

/** The photo's upright size, orientation and format from its header, without decoding the pixels. */
export async function probePhoto(file: string, options: ProbeOptions = {}): Promise<PhotoInfo> {
  const maxPixels = checkedMaxPixels(options.maxPixels);
  await checkIsPhotoFile(file);
  try {
    return photoInfo(await sharp(file, { limitInputPixels: false }).metadata(), file, maxPixels);
  } catch (error) {
    if (error instanceof ImageError) throw error;
    throw explainFailure(error, await readPhotoFile(file), file);
  }
}

// ---- reading the file -------------------------------------------------------------------------------------------

async function readPhotoFile(file: string): Promise<Buffer> {
  await checkIsPhotoFile(file);
  try {
    return await readFile(file);
  } catch (error) {
    throw fileSystemError(error, file);
  }
}

/** Rejects what is not a non-empty regular file before anything opens it (opening a FIFO would block). */
async function checkIsPhotoFile(file: string): Promise<void> {
  const stats = await stat(file).catch((error: unknown) => {
    throw fileSystemError(error, file);
  });
  if (stats.isDirectory()) throw imageError('is-directory', file, 'it is a folder, not a photo');
  if (!stats.isFile()) throw imageError('not-an-image', file, 'it is a device or special file, not a photo');
  if (stats.size === 0) throw emptyFileError(file);
}

function fileSystemError(error: unknown, file: string): ImageError {
  const errno = (error as NodeJS.ErrnoException).code;
  switch (errno) {
    case 'ENOENT':
    case 'ENOTDIR':
      return imageError('not-found', file, 'the file does not exist (it may have been moved or deleted)', error);
    case 'EACCES':
    case 'EPERM':
      return imageError('permission-denied', file, 'Facetag is not allowed to read it (check the file permissions)', error);
    case 'EISDIR':
      return imageError('is-directory', file, 'it is a folder, not a photo', error);
    default:
      return imageError('corrupt', file, `the file could not be read (${errorText(error)})`, error);
  }
}

function emptyFileError(file: string): ImageError {
  return imageError('empty-file', file, 'the file is empty (0 bytes); it may not have finished copying');
}

// ---- header checks ----------------------------------------------------------------------------------------------

function photoInfo(metadata: Metadata, file: string, maxPixels: number): PhotoInfo {
  checkFormat(metadata, file);
  checkPixelCount(metadata.width, metadata.height, file, maxPixels);
  return {
    width: metadata.autoOrient.width,
    height: metadata.autoOrient.height,
    orientation: validOrientation(metadata.orientation),
    format: metadata.format,
  };
}

function checkFormat(metadata: Metadata, file: string): void {
  if (metadata.format === 'heif' && metadata.compression === 'hevc') {
    throw imageError('unsupported-format', file, HEIC_ADVICE);
  }
  if (!PHOTO_FORMATS.has(metadata.format)) {
    const reason = `${metadata.format.toUpperCase()} files are not supported, only ${PHOTO_FORMAT_LIST} photos`;
    throw imageError('unsupported-format', file, reason);
  }
}

function checkPixelCount(width: number, height: number, file: string, maxPixels: number): void {
  if (!(width > 0 && height > 0)) throw imageError('corrupt', file, 'its header gives no valid image size');
  const pixelCount = width * height;
  if (pixelCount <= maxPixels) return;
  const reason =
    `it has ${formatCount(pixelCount)} pixels (${width} × ${height}), more than the limit of ` +
    `${formatCount(maxPixels)} pixels that Facetag opens (a guard against damaged or malicious files)`;
  throw imageError('too-many-pixels', file, reason);
}

function validOrientation(orientation: number | undefined): number {
  return orientation !== undefined && Number.isInteger(orientation) && orientation >= 1 && orientation <= 8
    ? orientation
    : 1;
}

// ---- decoding ---------------------------------------------------------------------------------------------------

async function decodeUpright(
  buffer: Buffer,
  metadata: Metadata,
  maxPixels: number,
  maxSide: number | undefined,
): Promise<RgbImage> {
  const pipeline = sharp(buffer, {
    autoOrient: true,
    // Fails on missing data instead of returning grey rows; recoverable decoder warnings still pass.
    failOn: 'truncated',
    limitInputPixels: Number.isFinite(maxPixels) ? Math.floor(maxPixels) : false,
    // Embedded RGB/grey profiles (Display P3, Adobe RGB) are ignored: converting them makes decoding ~3x slower
    // and face detection/recognition do not need exact colour. CMYK has no sensible reading without a
    // profile, so CMYK keeps its embedded one (without one, sharp uses a generic CMYK profile).
    ignoreIcc: metadata.space !== 'cmyk',
  });
  if (maxSide !== undefined) {
    // On JPEGs, sharp turns this into shrink-on-load: the decoder itself produces 1/2, 1/4 or 1/8 size.
    pipeline.resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true });
  }
  // Transparent pixels become white, as a viewer shows them on a white page, not black.
  pipeline.flatten({ background: WHITE }).removeAlpha().toColourspace('srgb');
  const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
    throw new Error(`decoder returned ${info.channels} channels for ${info.width}x${info.height}`);
  }
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

// ---- explaining failures ----------------------------------------------------------------------------------------

/** What the first bytes of a file say it is, whatever its name. */
type SniffedFormat =
  | 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'avif'
  | 'heic' | 'bmp' | 'psd' | 'jxl' | 'jp2' | 'cr3'
  | 'pdf' | 'video';

const FORMAT_NAMES: Record<SniffedFormat, string> = {
  jpeg: 'JPEG', png: 'PNG', gif: 'GIF', webp: 'WebP', tiff: 'TIFF', avif: 'AVIF',
  heic: 'HEIC', bmp: 'BMP', psd: 'Photoshop', jxl: 'JPEG XL', jp2: 'JPEG 2000', cr3: 'Canon raw (CR3)',
  pdf: 'PDF', video: 'video',
};

const UNSUPPORTED_ADVICE: Partial<Record<SniffedFormat, string>> = {
  heic: HEIC_ADVICE,
  bmp: 'BMP images are not supported (convert them to JPEG or PNG)',
  psd: 'Photoshop (PSD) files are not supported (export the picture as JPEG)',
  jxl: 'JPEG XL photos are not supported yet (convert them to JPEG)',
  jp2: 'JPEG 2000 images are not supported (convert them to JPEG)',
  cr3: 'camera raw files (CR3) are not supported (export them as JPEG)',
};

const NOT_A_PHOTO: Partial<Record<SniffedFormat, string>> = {
  pdf: 'it is a PDF document, not a photo',
  video: 'it is a video or other media file, not a photo',
};

/** Turns an error from sharp into the ImageError that says, in a user's words, what is wrong with the file. */
function explainFailure(error: unknown, bytes: Buffer, file: string): ImageError {
  const detail = errorText(error);
  if (/exceeds pixel limit/i.test(detail)) {
    return imageError('too-many-pixels', file, 'it has more pixels than Facetag opens (a guard against damaged files)', error);
  }
  const sniffed = sniffFormat(bytes);
  if (sniffed === undefined) {
    const reason = looksLikeText(bytes)
      ? `it contains text, not image data (a photo must be ${PHOTO_FORMAT_LIST})`
      : `it is not an image, or not one Facetag can read (${PHOTO_FORMAT_LIST})`;
    return imageError('not-an-image', file, reason, error);
  }
  const notAPhoto = NOT_A_PHOTO[sniffed];
  if (notAPhoto !== undefined) return imageError('not-an-image', file, notAPhoto, error);
  const advice = UNSUPPORTED_ADVICE[sniffed];
  if (advice !== undefined) return imageError('unsupported-format', file, advice, error);
  const formatName = FORMAT_NAMES[sniffed];
  if (looksTruncated(sniffed, bytes, detail)) {
    const reason = `the ${formatName} file is incomplete, its data ends early (it was probably cut short while being copied or downloaded)`;
    return imageError('truncated', file, reason, error);
  }
  // sharp's own text stays in `cause` only: with parallel decoding it may describe another file (see looksTruncated).
  return imageError('corrupt', file, `the ${formatName} data is damaged and cannot be decoded`, error);
}

function sniffFormat(bytes: Buffer): SniffedFormat | undefined {
  const ascii = (start: number, end: number): string => bytes.toString('latin1', start, end);
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(0, 4) === 'GIF8') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (['II*\0', 'MM\0*', 'II+\0', 'MM\0+'].includes(ascii(0, 4))) return 'tiff';
  if (ascii(4, 8) === 'ftyp') return isoMediaFormat(fileTypeBrands(bytes));
  if (ascii(0, 2) === 'BM') return 'bmp';
  if (ascii(0, 4) === '8BPS') return 'psd';
  if (startsWith(bytes, [0xff, 0x0a]) || ascii(4, 8) === 'JXL ') return 'jxl';
  if (ascii(4, 8) === 'jP  ' || startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])) return 'jp2';
  if (ascii(0, 5) === '%PDF-') return 'pdf';
  return undefined;
}

function startsWith(bytes: Buffer, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, i) => bytes[i] === byte);
}

/** The major and compatible brands of an ISO media file's leading `ftyp` box. */
function fileTypeBrands(bytes: Buffer): string[] {
  const boxEnd = Math.min(bytes.length, bytes.readUInt32BE(0));
  const brands = [bytes.toString('latin1', 8, 12)];
  for (let offset = 16; offset + 4 <= boxEnd; offset += 4) brands.push(bytes.toString('latin1', offset, offset + 4));
  return brands;
}

function isoMediaFormat(brands: readonly string[]): SniffedFormat {
  if (brands.some((brand) => brand === 'avif' || brand === 'avis')) return 'avif';
  const heifBrands = ['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs', 'mif1', 'msf1'];
  if (brands.some((brand) => heifBrands.includes(brand))) return 'heic';
  if (brands.includes('crx ')) return 'cr3';
  return 'video';
}

function looksLikeText(bytes: Buffer): boolean {
  const sample = bytes.subarray(0, 512);
  return sample.every((byte) => byte >= 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d);
}

/**
 * Whether a file sharp failed on is cut short, judged from the file's own structure: libvips keeps one error
 * buffer for the whole process, so when photos decode in parallel sharp's message may belong to another file.
 */
function looksTruncated(format: SniffedFormat, bytes: Buffer, detail: string): boolean {
  switch (format) {
    case 'jpeg':
      return jpegEndsEarly(bytes);
    case 'png':
      return pngEndsEarly(bytes);
    case 'gif':
      return gifEndsEarly(bytes);
    case 'webp':
      return bytes.length < 12 || bytes.readUInt32LE(4) + 8 > bytes.length;
    case 'avif':
      return isoBoxesOverrun(bytes);
    case 'tiff':
      return firstTiffDirectoryOffset(bytes) >= bytes.length || /premature end|unexpected end|read error/i.test(detail);
    default:
      return false;
  }
}

const GIF_TRAILER = 0x3b;
const GIF_EXTENSION = 0x21;
const GIF_IMAGE = 0x2c;

/**
 * Walks the GIF's blocks (extensions and images, each a chain of sub-blocks); true when the data stops before the
 * trailer. (A last byte of 0x3B proves nothing: image data cut anywhere ends with that byte once in 256.)
 */
function gifEndsEarly(bytes: Buffer): boolean {
  const colourTable = (flags: number): number => (flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0);
  const skipSubBlocks = (at: number): number => {
    while (at < bytes.length && bytes[at] !== 0) at += bytes[at]! + 1;
    return at + 1; // past the zero-length terminator
  };
  if (bytes.length < 13) return true;
  let offset = 13 + colourTable(bytes[10]!); // header, logical screen descriptor, global colour table
  while (offset < bytes.length) {
    const block = bytes[offset]!;
    if (block === GIF_TRAILER) return false;
    if (block === GIF_EXTENSION) offset = skipSubBlocks(offset + 2);
    else if (block === GIF_IMAGE) {
      if (offset + 10 > bytes.length) return true;
      offset = skipSubBlocks(offset + 10 + colourTable(bytes[offset + 9]!) + 1); // descriptor, table, LZW code size
    } else return false; // broken structure: damaged rather than cut short
  }
  return true;
}

/** Walks the JPEG's segments and entropy-coded scans; true when the data stops before the end-of-image marker. */
function jpegEndsEarly(bytes: Buffer): boolean {
  let offset = 2; // after the start-of-image marker
  while (offset + 2 <= bytes.length) {
    if (bytes[offset] !== 0xff) return false; // broken structure: damaged rather than cut short
    const marker = bytes[offset + 1]!;
    if (marker === 0xd9) return false; // end of image
    if (marker === 0xff || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += marker === 0xff ? 1 : 2; // fill byte, or a marker without a length
      continue;
    }
    if (offset + 4 > bytes.length) return true;
    offset += 2 + bytes.readUInt16BE(offset + 2);
    if (marker === 0xda) offset = endOfScan(bytes, offset);
  }
  return true;
}

/** Where the entropy-coded data starting at `offset` ends: the next marker that is not a stuffed byte or a restart. */
function endOfScan(bytes: Buffer, offset: number): number {
  for (let i = bytes.indexOf(0xff, offset); i !== -1 && i + 1 < bytes.length; i = bytes.indexOf(0xff, i + 1)) {
    const next = bytes[i + 1]!;
    if (next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) return i;
  }
  return bytes.length;
}

/** Walks the PNG's chunks; true when the file stops before the IEND chunk. */
function pngEndsEarly(bytes: Buffer): boolean {
  let offset = 8; // after the signature
  while (offset + 12 <= bytes.length) {
    if (bytes.toString('latin1', offset + 4, offset + 8) === 'IEND') return false;
    offset += 12 + bytes.readUInt32BE(offset); // length, type, data, CRC
  }
  return true;
}

function firstTiffDirectoryOffset(bytes: Buffer): number {
  if (bytes.length < 16) return Infinity;
  const littleEndian = bytes[0] === 0x49;
  const isBigTiff = (littleEndian ? bytes.readUInt16LE(2) : bytes.readUInt16BE(2)) === 43;
  if (isBigTiff) return Number(littleEndian ? bytes.readBigUInt64LE(8) : bytes.readBigUInt64BE(8));
  return littleEndian ? bytes.readUInt32LE(4) : bytes.readUInt32BE(4);
}

/** Whether a top-level box of an ISO media file claims to run past the end of the file. */
function isoBoxesOverrun(bytes: Buffer): boolean {
  let offset = 0;
  while (offset + 8 <= bytes.length) {
    let size = bytes.readUInt32BE(offset);
    if (size === 0) return false; // "extends to the end of the file"
    if (size === 1) {
      if (offset + 16 > bytes.length) return true;
      size = Number(bytes.readBigUInt64BE(offset + 8));
    }
    if (size < 8) return false;
    if (offset + size > bytes.length) return true;
    offset += size;
  }
  return offset < bytes.length;
}

// ---- small helpers ----------------------------------------------------------------------------------------------

function imageError(code: ImageErrorCode, file: string, reason: string, cause?: unknown): ImageError {
  return new ImageError(code, file, `Cannot open "${file}": ${reason}.`, cause === undefined ? undefined : { cause });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkedMaxPixels(maxPixels: number | undefined): number {
  if (maxPixels === undefined) return DEFAULT_MAX_PIXELS;
  if (!(maxPixels > 0)) throw new RangeError(`maxPixels must be positive, got ${maxPixels}`);
  return maxPixels;
}

function checkedMaxSide(maxSide: number | undefined): number | undefined {
  if (maxSide === undefined) return undefined;
  if (!(maxSide >= 1) || !Number.isFinite(maxSide)) throw new RangeError(`maxSide must be at least 1, got ${maxSide}`);
  return Math.floor(maxSide);
}
