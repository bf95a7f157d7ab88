import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { jpegWithOrientation, storedForOrientation } from '../support/orientation-fixtures.js';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RgbImage } from '../../src-main/common/raster.js';
import { ImageError, type ImageErrorCode } from '../../src-main/node/image/image-error.js';
import {
  DEFAULT_MAX_PIXELS,
  loadPhoto,
  loadPhotoFromBuffer,
  probePhoto,
} from '../../src-main/node/image/load-image.js';

const SHARED_PHOTO = '/work/shared/photos/groups/dlib_bald_guys.jpg';
const hasSharedPhotos = existsSync(SHARED_PHOTO);

type Rgb = readonly [number, number, number];
const RED: Rgb = [255, 0, 0];

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'facetag-load-image-'));
  // Readable by everyone, so the permission test below can reach a file it may not read.
  await chmod(dir, 0o755);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// ---- helpers ----------------------------------------------------------------------------------------------------

async function writeTemp(name: string, bytes: Uint8Array | string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}

function solid(width: number, height: number, colour: Rgb): Sharp {
  const [r, g, b] = colour;
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } });
}

function noise(width: number, height: number): Sharp {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } });
}

function pixelAt(image: RgbImage, x: number, y: number): Rgb {
  const i = (y * image.width + x) * 3;
  return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
}

function centre(image: RgbImage): Rgb {
  return pixelAt(image, Math.floor(image.width / 2), Math.floor(image.height / 2));
}

function expectColourNear(actual: Rgb, expected: Rgb, tolerance: number): void {
  const worst = Math.max(...actual.map((value, i) => Math.abs(value - expected[i]!)));
  expect(worst, `got ${actual.join(',')}, expected about ${expected.join(',')}`).toBeLessThanOrEqual(tolerance);
}

function meanAbsoluteDifference(a: RgbImage, b: RgbImage): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / a.data.length;
}

async function expectImageError(promise: Promise<unknown>, code: ImageErrorCode, file: string): Promise<ImageError> {
  const error = await promise.then(
    () => expect.fail(`expected ${code} for ${file}, but it loaded`),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ImageError);
  const imageError = error as ImageError;
  expect(imageError.code, imageError.message).toBe(code);
  expect(imageError.file).toBe(file);
  expect(imageError.message.startsWith(`Cannot open "${file}": `)).toBe(true);
  expect(imageError.message.length).toBeGreaterThan(`Cannot open "${file}": `.length + 10);
  return imageError;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** A valid PNG whose header claims `width` x `height` RGB pixels, with only a few rows of real data. */
function pngClaiming(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const fewRows = zlib.deflateSync(Buffer.alloc((width * 3 + 1) * 4));
  return Buffer.concat([signature, pngChunk('IHDR', header), pngChunk('IDAT', fewRows), pngChunk('IEND', Buffer.alloc(0))]);
}

/** The leading box of a HEIC file from an iPhone: ftyp with brand heic; sharp's libheif cannot decode HEVC. */
function heicHeader(): Buffer {
  const ftyp = Buffer.concat([
    Buffer.from([0, 0, 0, 0x18]),
    Buffer.from('ftypheic', 'latin1'),
    Buffer.from([0, 0, 0, 0]),
    Buffer.from('mif1heic', 'latin1'),
  ]);
  return Buffer.concat([ftyp, Buffer.alloc(64)]);
}

function firstHalf(bytes: Buffer): Buffer {
  return bytes.subarray(0, Math.floor(bytes.length / 2));
}

/** `bytes` up to and including the last occurrence of `value`. */
function cutAfterByte(bytes: Buffer, value: number): Buffer {
  return bytes.subarray(0, bytes.lastIndexOf(value) + 1);
}

/** Runs `action` as user "nobody" when the tests run as root, who may read any file. */
async function withoutRootPrivileges<T>(action: () => Promise<T>): Promise<T> {
  if (process.geteuid?.() !== 0 || process.seteuid === undefined) return action();
  process.seteuid(65534);
  try {
    return await action();
  } finally {
    process.seteuid(0);
  }
}

// ---- formats and colour -----------------------------------------------------------------------------------------

describe('loadPhoto: formats and colour', () => {
  it('decodes an RGB JPEG to 8-bit RGB at full size', async () => {
    const file = await writeTemp('plain.jpg', await solid(40, 30, [200, 100, 50]).jpeg({ quality: 95 }).toBuffer());
    const photo = await loadPhoto(file);
    expect(photo).toMatchObject({ width: 40, height: 30, orientation: 1, format: 'jpeg', scale: 1 });
    expect(photo.pixels.data).toBeInstanceOf(Uint8Array);
    expect(photo.pixels.data.length).toBe(40 * 30 * 3);
    expectColourNear(centre(photo.pixels), [200, 100, 50], 3);
  });

  it('expands a one-channel greyscale JPEG to equal R, G and B', async () => {
    const grey = await sharp(Buffer.alloc(32 * 32, 77), { raw: { width: 32, height: 32, channels: 1 } })
      .toColourspace('b-w').jpeg().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const photo = await loadPhoto(await writeTemp('grey.jpg', grey));
    expect(photo.pixels.data.length).toBe(32 * 32 * 3);
    expectColourNear(centre(photo.pixels), [77, 77, 77], 2);
  });

  it('converts a CMYK JPEG of a red square to roughly red sRGB', async () => {
    const cmyk = await solid(32, 32, RED).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const photo = await loadPhoto(await writeTemp('cmyk.jpg', cmyk));
    expectColourNear(centre(photo.pixels), RED, 60);
  });

  it('converts a CMYK JPEG with an embedded CMYK profile to roughly red sRGB', async () => {
    const cmyk = await solid(32, 32, RED).toColourspace('cmyk').withIccProfile('cmyk').jpeg().toBuffer();
    const metadata = await sharp(cmyk).metadata();
    expect([metadata.space, metadata.hasProfile]).toEqual(['cmyk', true]);
    const photo = await loadPhoto(await writeTemp('cmyk-profile.jpg', cmyk));
    expectColourNear(centre(photo.pixels), RED, 60);
  });

  it('leaves the values of an RGB JPEG with a Display P3 profile unconverted (ICC ignored for speed)', async () => {
    const p3 = await solid(32, 32, [200, 100, 50]).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(p3).metadata()).hasProfile).toBe(true);
    const stored = await sharp(p3, { ignoreIcc: true }).raw().toBuffer();
    const photo = await loadPhoto(await writeTemp('p3.jpg', p3));
    expectColourNear(centre(photo.pixels), [stored[0]!, stored[1]!, stored[2]!], 1);
  });

  it('flattens an RGBA PNG onto white', async () => {
    const rgba = Buffer.alloc(2 * 1 * 4);
    rgba.set([0, 0, 0, 0], 0); // fully transparent black
    rgba.set([255, 0, 0, 128], 4); // half-transparent red
    const png = await sharp(rgba, { raw: { width: 2, height: 1, channels: 4 } }).png().toBuffer();
    const photo = await loadPhoto(await writeTemp('alpha.png', png));
    expect(photo.pixels.data.length).toBe(2 * 3);
    expectColourNear(pixelAt(photo.pixels, 0, 0), [255, 255, 255], 1);
    expectColourNear(pixelAt(photo.pixels, 1, 0), [255, 127, 127], 2);
  });

  it('flattens a grey + alpha PNG onto white', async () => {
    const greyAlpha = Buffer.from([50, 255, 0, 0]);
    const png = await sharp(greyAlpha, { raw: { width: 2, height: 1, channels: 2 } }).toColourspace('b-w').png().toBuffer();
    const photo = await loadPhoto(await writeTemp('grey-alpha.png', png));
    expectColourNear(pixelAt(photo.pixels, 0, 0), [50, 50, 50], 1);
    expectColourNear(pixelAt(photo.pixels, 1, 0), [255, 255, 255], 1);
  });

  it('reduces a 16-bit PNG to 8 bits per channel', async () => {
    const png16 = await solid(8, 8, [200, 100, 50]).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const photo = await loadPhoto(await writeTemp('deep.png', png16));
    expect(photo.pixels.data.length).toBe(8 * 8 * 3);
    expectColourNear(centre(photo.pixels), [200, 100, 50], 1);
  });

  it.each([
    ['webp', 'webp', (s: Sharp) => s.webp({ quality: 90 })],
    ['tiff', 'tiff', (s: Sharp) => s.tiff()],
    ['gif', 'gif', (s: Sharp) => s.gif()],
    ['avif', 'heif', (s: Sharp) => s.avif({ quality: 90 })],
  ] as const)('decodes %s', async (extension, format, encode) => {
    const file = await writeTemp(`colour.${extension}`, await encode(solid(48, 32, [30, 90, 220])).toBuffer());
    const photo = await loadPhoto(file);
    expect(photo).toMatchObject({ width: 48, height: 32, format, scale: 1 });
    expectColourNear(centre(photo.pixels), [30, 90, 220], 12);
  });

  it('decodes the first frame of an animated GIF', async () => {
    const frames = [await solid(16, 16, RED).png().toBuffer(), await solid(16, 16, [0, 0, 255]).png().toBuffer()];
    const gif = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const photo = await loadPhoto(await writeTemp('animated.gif', gif));
    expect([photo.width, photo.height, photo.pixels.height]).toEqual([16, 16, 16]);
    expectColourNear(centre(photo.pixels), RED, 12);
  });
});

// ---- orientation ------------------------------------------------------------------------------------------------

/** 64 x 32 upright test picture: eight 16 x 16 blocks of different colours, so every flip and turn shows. */
function uprightPicture(): RgbImage {
  const colours: Rgb[] = [
    [255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0],
    [0, 255, 255], [255, 0, 255], [255, 255, 255], [0, 0, 0],
  ];
  const width = 64;
  const height = 32;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set(colours[Math.floor(y / 16) * 4 + Math.floor(x / 16)]!, (y * width + x) * 3);
    }
  }
  return { data, width, height };
}

describe('loadPhoto: EXIF orientation', () => {
  const upright = uprightPicture();

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('orientation %i decodes to the same upright picture', async (orientation) => {
    const jpeg = await jpegWithOrientation(storedForOrientation(orientation, upright), orientation);
    expect((await sharp(jpeg).metadata()).orientation).toBe(orientation);
    const photo = await loadPhoto(await writeTemp(`orientation-${orientation}.jpg`, jpeg));
    expect(photo).toMatchObject({ width: 64, height: 32, orientation, scale: 1 });
    expect(meanAbsoluteDifference(photo.pixels, upright)).toBeLessThan(2);
    expectColourNear(pixelAt(photo.pixels, 8, 8), [255, 0, 0], 8);
    expectColourNear(pixelAt(photo.pixels, 56, 24), [0, 0, 0], 8);
  });

  it('shrinks a sideways photo in upright terms', async () => {
    const stored = await noise(1200, 800).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const photo = await loadPhoto(await writeTemp('sideways-large.jpg', stored), { maxSide: 300 });
    expect(photo).toMatchObject({ width: 800, height: 1200, orientation: 6 });
    expect([photo.pixels.width, photo.pixels.height]).toEqual([200, 300]);
    expect(photo.scale).toBeCloseTo(0.25, 6);
  });
});

// ---- size ---------------------------------------------------------------------------------------------------------

describe('loadPhoto: size and pixel limit', () => {
  it('shrinks so the long side is maxSide and reports the scale', async () => {
    const file = await writeTemp('wide.jpg', await noise(1000, 600).jpeg().toBuffer());
    const photo = await loadPhoto(file, { maxSide: 250 });
    expect([photo.width, photo.height]).toEqual([1000, 600]);
    expect([photo.pixels.width, photo.pixels.height]).toEqual([250, 150]);
    expect(photo.scale).toBe(0.25);
    expect(photo.pixels.data.length).toBe(250 * 150 * 3);
  });

  it('never enlarges a photo smaller than maxSide', async () => {
    const file = await writeTemp('small.png', await solid(40, 20, RED).png().toBuffer());
    const photo = await loadPhoto(file, { maxSide: 1000 });
    expect([photo.pixels.width, photo.pixels.height, photo.scale]).toEqual([40, 20, 1]);
  });

  it.skipIf(!hasSharedPhotos)('shrinks a real photo with the right scale', async () => {
    const photo = await loadPhoto(SHARED_PHOTO, { maxSide: 500 });
    expect(Math.max(photo.pixels.width, photo.pixels.height)).toBe(500);
    expect(photo.scale).toBe(photo.pixels.width / photo.width);
    expect(Math.abs(photo.pixels.height - photo.height * photo.scale)).toBeLessThanOrEqual(1);
  });

  it('loads a 100-megapixel JPEG with maxSide', async () => {
    const jpeg = await solid(12000, 8400, [40, 160, 90]).jpeg({ quality: 70 }).toBuffer();
    const file = await writeTemp('100mp.jpg', jpeg);
    const photo = await loadPhoto(file, { maxSide: 1500 });
    expect(photo).toMatchObject({ width: 12000, height: 8400 });
    expect([photo.pixels.width, photo.pixels.height]).toEqual([1500, 1050]);
    expect(photo.scale).toBe(0.125);
    expectColourNear(centre(photo.pixels), [40, 160, 90], 4);
    // The limit applies to the full-resolution size, whatever maxSide.
    await expectImageError(loadPhoto(file, { maxSide: 1500, maxPixels: 50_000_000 }), 'too-many-pixels', file);
  });

  it('refuses a PNG whose header claims 30000 x 30000 pixels, naming the count and the limit', async () => {
    const file = await writeTemp('bomb.png', pngClaiming(30000, 30000));
    const error = await expectImageError(loadPhoto(file, { maxSide: 1000 }), 'too-many-pixels', file);
    expect(error.message).toContain('900,000,000');
    expect(error.message).toContain(DEFAULT_MAX_PIXELS.toLocaleString('en-US'));
    expect(error.message).toContain('30000 × 30000');
    await expectImageError(probePhoto(file), 'too-many-pixels', file);
  });

  it('applies a smaller maxPixels', async () => {
    const file = await writeTemp('limit.png', await solid(100, 100, RED).png().toBuffer());
    const error = await expectImageError(loadPhoto(file, { maxPixels: 5000 }), 'too-many-pixels', file);
    expect(error.message).toContain('10,000');
    expect(error.message).toContain('5,000');
  });
});

// ---- bad inputs ---------------------------------------------------------------------------------------------------

interface BadInput {
  readonly name: string;
  readonly code: ImageErrorCode;
  readonly make: () => Promise<string>;
}

async function corruptPng(): Promise<Buffer> {
  const png = Buffer.from(await noise(64, 64).png().toBuffer());
  png[png.indexOf('IDAT') + 40]! ^= 0xff;
  return png;
}

const badInputs: BadInput[] = [
  { name: 'deleted file', code: 'not-found', make: async () => path.join(dir, 'deleted.jpg') },
  { name: 'folder', code: 'is-directory', make: async () => {
    const folder = path.join(dir, 'folder.jpg');
    await mkdir(folder, { recursive: true });
    return folder;
  } },
  { name: 'zero-byte file', code: 'empty-file', make: () => writeTemp('empty.jpg', '') },
  { name: 'text file named .jpg', code: 'not-an-image', make: () => writeTemp('notes.jpg', 'shopping list\nmilk\n') },
  { name: 'random bytes', code: 'not-an-image', make: () => writeTemp('random.jpg', Buffer.from([0x00, 0x13, 0x37, 0x01, 0xfe, 0x02, 0x00, 0x99])) },
  { name: 'HEIC photo', code: 'unsupported-format', make: () => writeTemp('iphone.heic', heicHeader()) },
  { name: 'SVG drawing', code: 'unsupported-format', make: () => writeTemp('logo.svg', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>') },
  { name: 'BMP image', code: 'unsupported-format', make: () => writeTemp('old.bmp', Buffer.concat([Buffer.from('BM'), Buffer.alloc(64)])) },
  { name: 'JPEG cut in half', code: 'truncated', make: async () => writeTemp('half.jpg', firstHalf(await noise(256, 256).jpeg().toBuffer())) },
  { name: 'PNG cut in half', code: 'truncated', make: async () => writeTemp('half.png', firstHalf(await noise(128, 128).png().toBuffer())) },
  { name: 'WebP cut in half', code: 'truncated', make: async () => writeTemp('half.webp', firstHalf(await noise(128, 128).webp().toBuffer())) },
  { name: 'GIF cut in half', code: 'truncated', make: async () => writeTemp('half.gif', firstHalf(await noise(128, 128).gif().toBuffer())) },
  { name: 'GIF cut just after a data byte equal to its trailer (0x3B)', code: 'truncated', make: async () => writeTemp('cut-at-3b.gif', cutAfterByte(firstHalf(await noise(128, 128).gif().toBuffer()), 0x3b)) },
  { name: 'TIFF cut in half', code: 'truncated', make: async () => writeTemp('half.tif', firstHalf(await noise(128, 128).tiff().toBuffer())) },
  { name: 'AVIF cut in half', code: 'truncated', make: async () => writeTemp('half.avif', firstHalf(await noise(128, 128).avif().toBuffer())) },
  { name: 'PNG header claiming 30000 x 30000', code: 'too-many-pixels', make: () => writeTemp('huge.png', pngClaiming(30000, 30000)) },
  { name: 'PNG with damaged image data', code: 'corrupt', make: async () => writeTemp('damaged.png', await corruptPng()) },
];

describe('loadPhoto: bad inputs', () => {
  it.each(badInputs)('$name gives $code with a message for a user', async ({ code, make }) => {
    const file = await make();
    const error = await expectImageError(loadPhoto(file), code, file);
    expect(error.message).not.toMatch(/Input (file|buffer)|^Vips/);
  });

  it('says HEIC is not supported yet and how to get round it', async () => {
    const file = await writeTemp('iphone-2.heic', heicHeader());
    const error = await expectImageError(loadPhoto(file), 'unsupported-format', file);
    expect(error.message).toContain('HEIC/HEIF photos are not supported yet (convert them to JPEG)');
  });

  it('gives permission-denied for a file it may not read', async () => {
    const file = await writeTemp('private.jpg', await solid(8, 8, RED).jpeg().toBuffer());
    await chmod(file, 0o000);
    await withoutRootPrivileges(() => expectImageError(loadPhoto(file), 'permission-denied', file));
  });

  it('gives each kind of failure its own message', async () => {
    const messageByCode = new Map<ImageErrorCode, string>();
    for (const { code, make } of badInputs) {
      const file = await make();
      const error = await loadPhoto(file).catch((caught: unknown) => caught as ImageError);
      messageByCode.set(code, (error as ImageError).message.replace(file, 'FILE'));
    }
    expect(new Set(messageByCode.values()).size).toBe(messageByCode.size);
  });

  it('keeps going through a batch of good and bad files', async () => {
    const good = [
      await writeTemp('batch-1.jpg', await solid(30, 20, RED).jpeg().toBuffer()),
      await writeTemp('batch-2.png', await solid(20, 30, RED).png().toBuffer()),
      await writeTemp('batch-3.webp', await solid(25, 25, RED).webp().toBuffer()),
    ];
    const bad = await Promise.all(badInputs.map(async ({ code, make }) => ({ code, file: await make() })));
    const files = [good[0]!, ...bad.slice(0, 8).map((b) => b.file), good[1]!, ...bad.slice(8).map((b) => b.file), good[2]!];

    const results = await Promise.allSettled(files.map((file) => loadPhoto(file, { maxSide: 100 })));

    const loaded = results.flatMap((result, i) => (result.status === 'fulfilled' ? [files[i]] : []));
    expect(loaded).toEqual(good);
    const codes = results.flatMap((result) => (result.status === 'rejected' ? [(result.reason as ImageError).code] : []));
    expect(codes).toEqual(bad.map((b) => b.code));
  });

  it('tells cut-off from damaged files while decoding many in parallel', async () => {
    // libvips keeps one error buffer per process, so sharp's message may describe another file of the batch.
    const damaged = badInputs.filter(({ code }) => code === 'truncated' || code === 'corrupt');
    const made = await Promise.all(damaged.map(async ({ code, make }) => ({ code, file: await make() })));
    const attempts = [...made, ...made, ...made];

    const results = await Promise.allSettled(attempts.map(({ file }) => loadPhoto(file, { maxSide: 64 })));

    const codes = results.map((result) => (result.status === 'rejected' ? (result.reason as ImageError).code : 'loaded'));
    expect(codes).toEqual(attempts.map(({ code }) => code));
  });
});

// ---- probe and buffer input -----------------------------------------------------------------------------------

describe('probePhoto', () => {
  it('reads the upright size, orientation and format without decoding', async () => {
    const jpeg = await solid(300, 200, RED).jpeg().withMetadata({ orientation: 8 }).toBuffer();
    const info = await probePhoto(await writeTemp('probe.jpg', jpeg));
    expect(info).toEqual({ width: 200, height: 300, orientation: 8, format: 'jpeg' });
  });

  it.each(badInputs)('$name gives $code', async ({ code, make }) => {
    const file = await make();
    // A cut-off JPEG, PNG or TIFF still has an intact header: only decoding finds the damage.
    const probe = probePhoto(file).then(() => 'header ok', (error: ImageError) => error.code);
    const expected = ['truncated', 'corrupt'].includes(code) ? [code, 'header ok'] : [code];
    expect(expected).toContain(await probe);
  });
});

describe('loadPhotoFromBuffer', () => {
  it('decodes bytes already in memory', async () => {
    const bytes = new Uint8Array(await solid(20, 10, RED).png().toBuffer());
    const photo = await loadPhotoFromBuffer(bytes, 'in-memory.png', { maxSide: 10 });
    expect(photo).toMatchObject({ width: 20, height: 10, format: 'png', scale: 0.5 });
    expectColourNear(centre(photo.pixels), RED, 1);
  });

  it('names the given label in its errors', async () => {
    await expectImageError(loadPhotoFromBuffer(new Uint8Array(0), 'upload #3'), 'empty-file', 'upload #3');
    const text = new TextEncoder().encode('not a photo');
    await expectImageError(loadPhotoFromBuffer(text, 'upload #4'), 'not-an-image', 'upload #4');
  });

  it.skipIf(!hasSharedPhotos)('gives the same pixels as loadPhoto on a real photo', async () => {
    const fromFile = await loadPhoto(SHARED_PHOTO, { maxSide: 400 });
    const fromBuffer = await loadPhotoFromBuffer(await readFile(SHARED_PHOTO), SHARED_PHOTO, { maxSide: 400 });
    expect(Buffer.compare(fromBuffer.pixels.data, fromFile.pixels.data)).toBe(0);
  });
});
