import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src-main/node/api/dispatch.js';
import { FacetagCore } from '../../src-main/node/api/facetag-core.js';
import { HttpDoor } from '../../src-main/node/api/http-door.js';
import { FACE_CROP_SIZE, MediaError, MediaStore } from '../../src-main/node/api/media.js';
import { makeTempDir, type TempDir } from '../support/library-fixtures.js';
import { IDENTITY_DIR } from '../support/people-fixtures.js';
import { httpRequest, json } from '../support/http-client.js';

/**
 * The media both doors serve (Electron's facetag:// protocol and the HTTP door): only files inside the library's
 * folders or the thumbnail cache, checked on real paths — no `..`, no absolute path elsewhere, no symbolic link
 * out — and WebP thumbnails and face crops made from real photos, cached on disk.
 */

const TOKEN = 'media-test-token-0123456789';
const PHOTOS = ['angelina_jolie/deepface_img10.jpg', 'jennifer_aniston/deepface_img12.jpg'];

let temp: TempDir;
let libraryDir: string;
let outsideDir: string;
let secret: string;
let photo: string;
let core: FacetagCore;
let media: MediaStore;
let door: HttpDoor;
let port: number;
let photoId: number;
let faceId: number;

beforeAll(async () => {
  temp = await makeTempDir('media');
  libraryDir = path.join(temp.dir, 'photos');
  outsideDir = path.join(temp.dir, 'photos-private'); // a sibling whose name starts like the library folder's
  await mkdir(path.join(libraryDir, 'sub'), { recursive: true });
  await mkdir(outsideDir, { recursive: true });
  for (const p of PHOTOS) await copyFile(path.join(IDENTITY_DIR, p), path.join(libraryDir, path.basename(p)));
  photo = path.join(libraryDir, 'deepface_img10.jpg');
  secret = path.join(outsideDir, 'secret.txt');
  await writeFile(secret, 'TOP SECRET');
  await writeFile(path.join(temp.dir, 'secret.txt'), 'TOP SECRET');

  core = new FacetagCore(path.join(temp.dir, 'library.db'));
  for (const [method, request] of [
    ['settings.set', { workers: 1 }],
    ['library.addFolder', { path: libraryDir }],
    ['scan.start', {}],
  ] as const) {
    const outcome = await dispatch(core, method, request);
    if (!outcome.ok) throw new Error(`${method}: ${outcome.error.message}`);
  }
  await core.scanFinished();
  // Links made after the scan (the scanner would not index them anyway).
  await symlink(secret, path.join(libraryDir, 'link-to-secret.jpg'));
  await symlink(outsideDir, path.join(libraryDir, 'link-to-folder'));
  await symlink('/etc/passwd', path.join(libraryDir, 'sub', 'passwd.jpg'));
  await writeFile(path.join(libraryDir, '..dotted.txt'), 'inside');

  photoId = core.library.db.prepare('SELECT id FROM photos WHERE path = ?').pluck().get(photo) as number;
  faceId = core.library.db.prepare('SELECT id FROM faces WHERE photo_id = ? ORDER BY quality DESC').pluck().get(photoId) as number;
  expect(photoId).toBeGreaterThan(0);
  expect(faceId).toBeGreaterThan(0);

  media = new MediaStore(core.library);
  door = new HttpDoor(core, { token: TOKEN, uiDir: path.join(temp.dir, 'no-ui') });
  port = Number(new URL(await door.listen()).port);
});

afterAll(async () => {
  await door?.close();
  await core?.close();
  await temp?.cleanup();
});

/** The paths that must never be served, as (name, path) pairs; computed once the temp folders exist. */
function refusedPaths(): [string, string][] {
  return [
    ['.. out of the library', `${libraryDir}/../secret.txt`],
    ['.. into the sibling folder', `${libraryDir}/../photos-private/secret.txt`],
    ['.. that would land back inside', `${libraryDir}/sub/../deepface_img10.jpg`],
    ['a trailing ..', `${libraryDir}/..`],
    ['an absolute path outside', secret],
    ['/etc/passwd', '/etc/passwd'],
    ['/etc/passwd through ..', `${libraryDir}/../../../../../../etc/passwd`],
    ['a link to a file outside', path.join(libraryDir, 'link-to-secret.jpg')],
    ['a link to a folder outside', path.join(libraryDir, 'link-to-folder', 'secret.txt')],
    ['a link to /etc/passwd', path.join(libraryDir, 'sub', 'passwd.jpg')],
    ['the database', core.library.file],
    ['a relative path', 'photos/deepface_img10.jpg'],
    ['an empty path', ''],
  ];
}

describe('MediaStore.checkedPath', () => {
  it('accepts a photo inside a library folder (as its real path)', async () => {
    expect(await media.checkedPath(photo)).toBe(photo);
    expect(await media.checkedPath(`${libraryDir}/./deepface_img10.jpg`)).toBe(photo);
    expect(await media.checkedPath(path.join(libraryDir, '..dotted.txt'))).toBe(path.join(libraryDir, '..dotted.txt'));
  });

  it('refuses every way out of the library', async () => {
    for (const [what, requested] of refusedPaths()) {
      const error = await media.checkedPath(requested).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, what).toBeInstanceOf(MediaError);
      expect((error as MediaError).status, what).toBe(403);
    }
  });

  it('says not found for a missing file inside the library', async () => {
    await expect(media.checkedPath(path.join(libraryDir, 'missing.jpg'))).rejects.toMatchObject({ status: 404 });
  });
});

describe('GET /media/file', () => {
  const fileUrl = (requested: string): string => `/media/file?path=${encodeURIComponent(requested)}&token=${TOKEN}`;

  it('serves a real photo inside a library folder, byte for byte', async () => {
    const reply = await httpRequest(port, fileUrl(photo));
    expect(reply.status).toBe(200);
    expect(reply.body.equals(await readFile(photo))).toBe(true);
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses every way out of the library with 403', async () => {
    for (const [what, requested] of refusedPaths()) {
      const reply = await httpRequest(port, fileUrl(requested));
      expect(reply.status, what).toBe(403);
      expect(json(reply).ok).toBe(false);
      expect(reply.text, what).not.toContain('TOP SECRET');
      expect(reply.text, what).not.toContain('root:');
    }
  });

  it.each([
    ['raw ..', (lib: string) => `${lib}/../secret.txt`],
    ['%2e%2e', (lib: string) => `${lib}/%2e%2e/secret.txt`],
    ['%2E%2E', (lib: string) => `${lib}/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd`],
    ['.%2e', (lib: string) => `${lib}/.%2e/photos-private/secret.txt`],
    ['%2e%2e%2f', (lib: string) => `${lib}/%2e%2e%2fsecret.txt`],
    ['..%2f', (lib: string) => `${lib}/..%2fsecret.txt`],
    ['%2f..%2f', (lib: string) => `${lib}%2f..%2fsecret.txt`],
    ['backslashes', (lib: string) => `${lib}\\..\\secret.txt`],
    ['/etc/passwd', () => '/etc/passwd'],
    ['%2Fetc%2Fpasswd', () => '%2Fetc%2Fpasswd'],
  ])('refuses a query written with %s', async (_what, write) => {
    // Written into the query as is (not encoded again): the server decodes it once.
    const reply = await httpRequest(port, `/media/file?token=${TOKEN}&path=${write(libraryDir).replaceAll('\\', '%5C')}`);
    expect([403, 404]).toContain(reply.status);
    expect(reply.text).not.toContain('TOP SECRET');
    expect(reply.text).not.toContain('root:');
  });

  it('refuses a library photo that became a link to a file outside', async () => {
    const moved = path.join(libraryDir, 'deepface_img12.jpg');
    const original = await readFile(moved);
    try {
      await rm(moved);
      await symlink('/etc/passwd', moved);
      const id = core.library.db.prepare('SELECT id FROM photos WHERE path = ?').pluck().get(moved) as number;
      const reply = await httpRequest(port, `/media/photo/${id}?size=256&token=${TOKEN}`);
      expect(reply.status).toBe(403);
      expect(reply.text).not.toContain('root:');
      expect((await httpRequest(port, fileUrl(moved))).status).toBe(403);
    } finally {
      await rm(moved);
      await writeFile(moved, original);
    }
  });

  it('needs the token', async () => {
    expect((await httpRequest(port, `/media/file?path=${encodeURIComponent(photo)}`)).status).toBe(401);
  });
});

describe('thumbnails and face crops', () => {
  async function cacheFiles(): Promise<string[]> {
    const entries = await readdir(media.cacheDir, { recursive: true }).catch(() => [] as string[]);
    return entries.filter((e) => e.endsWith('.webp')).map((e) => path.join(media.cacheDir, e));
  }

  it('/media/photo/:id is a WebP no larger than asked, made once and then read from the disk cache', async () => {
    const before = await cacheFiles();
    const first = await httpRequest(port, `/media/photo/${photoId}?size=256&token=${TOKEN}`);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('image/webp');
    const meta = await sharp(first.body).metadata();
    expect(meta.format).toBe('webp');
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(256);
    expect(Math.max(meta.width!, meta.height!)).toBeGreaterThan(200);

    const mtime = core.library.db.prepare('SELECT mtime_ms FROM photos WHERE id = ?').pluck().get(photoId) as number;
    const name = `${createHash('sha1').update(`photo:${photoId}:${mtime}:256`).digest('hex')}.webp`;
    const cached = path.join(media.cacheDir, name.slice(0, 2), name);
    const added = (await cacheFiles()).filter((f) => !before.includes(f));
    expect(added).toEqual([cached]);
    expect((await readFile(cached)).equals(first.body)).toBe(true);

    // The second call reads the cache: replace the cached file and the answer follows it.
    const marker = await sharp({ create: { width: 7, height: 5, channels: 3, background: '#ff0000' } }).webp().toBuffer();
    await writeFile(cached, marker);
    const second = await httpRequest(port, `/media/photo/${photoId}?size=256&token=${TOKEN}`);
    expect(second.status).toBe(200);
    expect(second.body.equals(marker)).toBe(true);
    // The same through the store, and a size in between rounds up to the next cached size.
    expect((await media.photo(photoId, 200)).equals(marker)).toBe(true);
  });

  it('/media/photo/:id without a size is the viewer size, never larger than the photo', async () => {
    const reply = await httpRequest(port, `/media/photo/${photoId}?token=${TOKEN}`);
    expect(reply.status).toBe(200);
    const meta = await sharp(reply.body).metadata();
    const original = await sharp(photo).metadata();
    expect(meta.format).toBe('webp');
    expect(Math.max(meta.width!, meta.height!)).toBe(Math.min(1024, Math.max(original.width!, original.height!)));
  });

  it('/media/face/:id is a 256x256 WebP crop, cached', async () => {
    const reply = await httpRequest(port, `/media/face/${faceId}?token=${TOKEN}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('image/webp');
    const meta = await sharp(reply.body).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: FACE_CROP_SIZE, height: FACE_CROP_SIZE });
    expect(FACE_CROP_SIZE).toBe(256);
    const cached = await cacheFiles();
    expect(await Promise.all(cached.map(async (f) => (await readFile(f)).equals(reply.body)))).toContain(true);
  });

  it.each(['/media/photo/4242', '/media/face/4242', '/media/photo/0', '/media/photo/-1', '/media/photo/abc', '/media/face/1.5', '/media/thing/1', '/media/'])(
    '%s is 404',
    async (target) => {
      const reply = await httpRequest(port, `${target}?token=${TOKEN}`);
      expect(reply.status).toBe(404);
      expect(json(reply)).toMatchObject({ ok: false, error: { code: 'not-found' } });
    },
  );

  it('the cache folder itself may be read, nothing beside it', async () => {
    const [cached] = await cacheFiles();
    expect(await media.checkedPath(cached!)).toBe(cached);
    await expect(media.checkedPath(path.join(media.cacheDir, '..', 'library.db'))).rejects.toMatchObject({ status: 403 });
  });
});
