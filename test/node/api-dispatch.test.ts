import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestSchemas, type ApiEvents, type ApiMethod, type ApiRequest, type ApiResponse } from '../../src-main/common/api/contract.js';
import type { ScanProgress } from '../../src-main/common/library.js';
import { dispatch, type DispatchResult } from '../../src-main/node/api/dispatch.js';
import { FacetagCore } from '../../src-main/node/api/facetag-core.js';
import { makeTempDir, type TempDir } from '../support/library-fixtures.js';
import { IDENTITY_DIR } from '../support/people-fixtures.js';

/**
 * The API boundary every door calls (dispatch → FacetagCore): each method has a handler, bad requests come back as
 * typed errors that say what is wrong (never a throw), unknown ids as not-found, and a whole session — add a folder,
 * scan, name, confirm, review, browse, undo, settings — runs through it on a real scanned library.
 */

/** Small identity photos (quick to scan): four of one person, two others. */
const PHOTOS = [
  'angelina_jolie/deepface_img5.jpg',
  'angelina_jolie/deepface_img10.jpg',
  'angelina_jolie/deepface_img11.jpg',
  'angelina_jolie/deepface_img6.jpg',
  'jennifer_aniston/deepface_img12.jpg',
  'jack_dorsey/deepface_img17.jpg',
];

let temp: TempDir;
let photosDir: string;
let core: FacetagCore;
let empty: FacetagCore;

beforeAll(async () => {
  temp = await makeTempDir('api-dispatch');
  photosDir = path.join(temp.dir, 'photos');
  await mkdir(photosDir, { recursive: true });
  for (const photo of PHOTOS) await copyFile(path.join(IDENTITY_DIR, photo), path.join(photosDir, path.basename(photo)));
  await writeFile(path.join(temp.dir, 'not-a-folder.txt'), 'hello');
  core = new FacetagCore(path.join(temp.dir, 'library.db'));
  empty = new FacetagCore(path.join(temp.dir, 'empty.db'));
});

afterAll(async () => {
  await core?.close();
  await empty?.close();
  await temp?.cleanup();
});

/** Calls through the boundary; the call itself must never throw. */
async function call(target: FacetagCore, method: string, request: unknown): Promise<DispatchResult> {
  const outcome = await dispatch(target, method, request);
  expect(outcome).toHaveProperty('ok');
  return outcome;
}

/** A call that must succeed; returns its typed result. */
async function ok<M extends ApiMethod>(method: M, request: ApiRequest<M>, target = core): Promise<ApiResponse<M>> {
  const outcome = await call(target, method, request);
  if (!outcome.ok) throw new Error(`${method} failed: ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.result as ApiResponse<M>;
}

/** A call that must fail with `code`; returns the message. */
async function fails(method: string, request: unknown, code: string, target = core): Promise<string> {
  const outcome = await call(target, method, request);
  expect(outcome.ok, `${method} ${JSON.stringify(request)} should fail`).toBe(false);
  if (outcome.ok) return '';
  expect(outcome.error.code, `${method} ${JSON.stringify(request)}: ${outcome.error.message}`).toBe(code);
  expect(outcome.error.message.length).toBeGreaterThan(10);
  return outcome.error.message;
}

/** One well-formed request per method (the type makes this table cover the whole contract). */
const VALID: { [M in ApiMethod]: ApiRequest<M> } = {
  'library.status': {},
  'library.addFolder': { path: '/nonexistent-facetag-folder' },
  'library.removeFolder': { folderId: 999 },
  'scan.start': {},
  'scan.pause': {},
  'scan.resume': {},
  'scan.cancel': {},
  'scan.progress': {},
  'people.list': { includeHidden: true, search: 'x' },
  'people.get': { personId: 999 },
  'people.name': { personId: 999, name: 'Somebody' },
  'people.merge': { personId: 998, otherId: 999 },
  'people.split': { personId: 999 },
  'people.hide': { personId: 999, hidden: true },
  'people.setCover': { personId: 999, faceId: 999 },
  'faces.confirm': { faceId: 999, target: { name: 'Somebody' } },
  'faces.confirmMany': { faceIds: [999] },
  'faces.reject': { faceId: 999, personId: 999 },
  'faces.move': { faceId: 999, personId: 999 },
  'faces.notAFace': { faceId: 999 },
  'faces.add': { photoId: 999, box: [1, 1, 50, 50] },
  'review.queue': { limit: 10 },
  'photos.list': { offset: 0, limit: 10 },
  'photos.get': { photoId: 999 },
  'photos.find': { path: '/nowhere/photo.jpg' },
  'history.undo': {},
  'settings.get': {},
  'settings.set': { workers: 1 },
};

describe('the boundary', () => {
  it('has a handler for every method of the contract, and no handler outside it', () => {
    const handlers = (empty as unknown as { handlers: Record<string, unknown> }).handlers;
    const methods = Object.keys(requestSchemas).sort();
    expect(Object.keys(handlers).sort()).toEqual(methods);
    for (const method of methods) expect(handlers[method], method).toBeTypeOf('function');
    expect(Object.keys(VALID).sort()).toEqual(methods);
  });

  it.each(Object.keys(VALID) as ApiMethod[])('%s: a well-formed request is answered, or refused in words (never internal)', async (method) => {
    const outcome = await call(empty, method, VALID[method]);
    if (!outcome.ok) {
      expect(['bad-request', 'not-found', 'conflict']).toContain(outcome.error.code);
      expect(outcome.error.message).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
    }
  });

  it('refuses methods that do not exist, including prototype names', async () => {
    for (const method of ['people.delete', '', 'handlers', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'library.status ']) {
      const message = await fails(method, {}, 'bad-request', empty);
      expect(message).toContain(`"${method}"`);
    }
  });

  it.each<[string, unknown, RegExp]>([
    ['people.get', { personId: '3' }, /personId.*expected number/i],
    ['people.get', { personId: 3.5 }, /personId.*int/i],
    ['people.get', { personId: -1 }, /personId.*(too small|>0)/i],
    ['people.get', { personId: 0 }, /personId/],
    ['people.get', {}, /personId/],
    ['people.get', null, /personId/],
    ['people.get', 'people', /expected object/i],
    ['people.get', [1], /expected object/i],
    ['people.get', { personId: 1, admin: true }, /unrecognized key.*admin/i],
    ['library.status', { verbose: true }, /unrecognized key.*verbose/i],
    ['history.undo', { steps: 2 }, /unrecognized key.*steps/i],
    ['library.addFolder', { path: '' }, /path/],
    ['library.addFolder', { path: 42 }, /path.*expected string/i],
    ['library.addFolder', { path: 'x'.repeat(5000) }, /path.*(too big|4096)/i],
    ['library.removeFolder', { folderId: -3 }, /folderId/],
    ['people.name', { personId: 1, name: '' }, /name/],
    ['people.name', { personId: 1, name: '   ' }, /name/],
    ['people.name', { personId: 1 }, /name/],
    ['people.name', { personId: 1, name: 'x'.repeat(201) }, /name/],
    ['people.hide', { personId: 1, hidden: 'yes' }, /hidden.*expected boolean/i],
    ['people.merge', { personId: 1, otherId: -2 }, /otherId/],
    ['faces.confirm', { faceId: 1, target: { name: '' } }, /target/],
    ['faces.confirm', { faceId: 1, target: {} }, /target/],
    ['faces.confirm', { faceId: 1, target: { personId: -1 } }, /target/],
    ['faces.confirm', { faceId: 1 }, /target/],
    ['faces.confirmMany', { faceIds: [] }, /faceIds/],
    ['faces.confirmMany', { faceIds: [1, -2] }, /faceIds\.1/],
    ['faces.add', { photoId: 1, box: [100, 10, 50, 60] }, /box.*x2 > x1/],
    ['faces.add', { photoId: 1, box: [10, 100, 50, 60] }, /box.*y2 > y1/],
    ['faces.add', { photoId: 1, box: [10, 10, 50] }, /box/],
    ['faces.add', { photoId: 1, box: [10, 10, 50, 'a'] }, /box\.3/],
    ['review.queue', { limit: 0 }, /limit/],
    ['review.queue', { limit: 10_000 }, /limit/],
    ['photos.list', { offset: -1, limit: 10 }, /offset/],
    ['photos.list', { offset: 0 }, /limit/],
    ['photos.list', { offset: 0, limit: 5000 }, /limit/],
    ['settings.set', { autoConfidence: 0 }, /autoConfidence/],
    ['settings.set', { autoConfidence: 1.5 }, /autoConfidence/],
    ['settings.set', { executionProvider: 'tpu' }, /executionProvider/],
    ['settings.set', { workers: 0 }, /workers/],
    ['settings.set', { detector: '' }, /detector/],
    ['settings.set', { theme: 'dark' }, /unrecognized key.*theme/i],
  ])('%s %j is a bad request that says what is wrong', async (method, request, pattern) => {
    const message = await fails(method, request, 'bad-request', empty);
    expect(message).toContain(`"${method}"`);
    expect(message).toMatch(pattern);
  });

  it('refuses, in words, what the schema cannot know', async () => {
    expect(await fails('library.addFolder', { path: 'relative/photos' }, 'bad-request', empty)).toMatch(/full path/);
    expect(await fails('library.addFolder', { path: path.join(temp.dir, 'no-such-folder') }, 'bad-request', empty)).toMatch(/no-such-folder/);
    expect(await fails('library.addFolder', { path: path.join(temp.dir, 'not-a-folder.txt') }, 'bad-request', empty)).toMatch(/not a folder/);
    expect(await fails('scan.start', {}, 'bad-request', empty)).toMatch(/Add a folder/);
    expect(await fails('settings.set', { detector: 'no-such-detector' }, 'bad-request', empty)).toMatch(/no-such-detector/);
    expect(await fails('settings.set', { recognizer: 'retinaface_mnet025' }, 'bad-request', empty)).toMatch(/retinaface_mnet025/);
    expect(await fails('people.merge', { personId: 5, otherId: 5 }, 'bad-request', empty)).toMatch(/themselves/);
    // Nothing was stored by the refused requests.
    const status = await ok('library.status', {}, empty);
    expect(status.folders).toEqual([]);
    expect((await ok('settings.get', {}, empty)).detector).toBe('retinaface_mnet025');
  });

  it.each<[ApiMethod, unknown, RegExp]>([
    ['people.get', { personId: 4242 }, /4242/],
    ['people.name', { personId: 4242, name: 'Nobody' }, /4242/],
    ['people.merge', { personId: 4242, otherId: 4243 }, /424[23]/],
    ['people.split', { personId: 4242 }, /4242/],
    ['people.hide', { personId: 4242, hidden: true }, /4242/],
    ['people.setCover', { personId: 4242, faceId: 1 }, /4242/],
    ['faces.confirm', { faceId: 4242, target: { name: 'Nobody' } }, /4242/],
    ['faces.move', { faceId: 4242, personId: 1 }, /4242/],
    ['faces.notAFace', { faceId: 4242 }, /4242/],
    ['faces.add', { photoId: 4242, box: [1, 1, 50, 50] }, /4242/],
    ['photos.get', { photoId: 4242 }, /4242/],
    ['photos.find', { path: '/nowhere/4242.jpg' }, /4242/],
    ['library.removeFolder', { folderId: 4242 }, /4242|folder/],
  ])('%s of an unknown id is not-found', async (method, request, pattern) => {
    expect(await fails(method, request, 'not-found', empty)).toMatch(pattern);
  });
});

describe('a session through the boundary', () => {
  const progress: ScanProgress[] = [];
  const finished: ApiEvents['scan.finished'][] = [];
  const changed: string[] = [];
  const stateWhenFinished: DispatchResult[] = [];
  let folderId: number;
  let angelinaId: number;

  it('adds a folder', async () => {
    core.on('scan.progress', (p) => progress.push(p));
    core.on('scan.finished', (f) => {
      finished.push(f);
      // Whoever hears that the scan finished sees it stopped.
      void dispatch(core, 'scan.progress', {}).then((o) => stateWhenFinished.push(o));
    });
    core.on('library.changed', (c) => changed.push(c.reason));
    const folder = await ok('library.addFolder', { path: photosDir });
    expect(folder.path).toBe(photosDir);
    folderId = folder.id;
    // Adding it again is the same folder.
    expect((await ok('library.addFolder', { path: photosDir + '/' })).id).toBe(folderId);
    const status = await ok('library.status', {});
    expect(status.folders.map((f) => f.path)).toEqual([photosDir]);
    expect(changed).toContain('folder added');
  });

  it('scans it in the background, with progress events, then a finished event', async () => {
    await ok('settings.set', { workers: 2 });
    const started = await ok('scan.start', {});
    expect(started.running).toBe(true);
    // One scan at a time: a second start reports the running one; removing a folder waits for it.
    expect((await ok('scan.start', { folderIds: [folderId] })).running).toBe(true);
    expect(await fails('library.removeFolder', { folderId }, 'conflict')).toMatch(/scan/);
    await core.scanFinished();

    expect(progress.length).toBeGreaterThan(1);
    expect(progress.some((p) => p.phase === 'indexing' && p.total === PHOTOS.length)).toBe(true);
    expect(progress.at(-1)!.phase).toBe('done');
    expect(finished).toHaveLength(1);
    expect(finished[0]!.error).toBeNull();
    expect(finished[0]!.summary!.photos).toBe(PHOTOS.length);
    expect(finished[0]!.summary!.errors).toEqual([]);
    expect(changed).toContain('scan');
    expect(stateWhenFinished).toEqual([{ ok: true, result: expect.objectContaining({ running: false }) }]);

    const state = await ok('scan.progress', {});
    expect(state.running).toBe(false);
    expect(state.lastSummary!.photos).toBe(PHOTOS.length);
    expect(state.progress!.phase).toBe('done');
    const status = await ok('library.status', {});
    expect(status.photos).toBe(PHOTOS.length);
    expect(status.faces).toBeGreaterThanOrEqual(PHOTOS.length);
    expect(status.photosWithErrors).toBe(0);
  });

  it('lists the people found, and names one', async () => {
    const people = await ok('people.list', {});
    expect(people.length).toBeGreaterThanOrEqual(2);
    const biggest = [...people].sort((a, b) => b.faceCount - a.faceCount)[0]!;
    expect(biggest.faceCount).toBeGreaterThanOrEqual(3);
    expect(biggest.name).toBeNull();
    angelinaId = biggest.id;

    const named = await ok('people.name', { personId: angelinaId, name: '  Angelina Jolie ' });
    expect(named).toMatchObject({ id: angelinaId, name: 'Angelina Jolie' });
    expect((await ok('people.list', { search: 'angel' })).map((p) => p.id)).toEqual([angelinaId]);
    expect(await ok('people.list', { search: 'nobody-by-that-name' })).toEqual([]);
    // Named people come before unnamed groups.
    expect((await ok('people.list', {}))[0]!.id).toBe(angelinaId);

    const details = await ok('people.get', { personId: angelinaId });
    expect(details.name).toBe('Angelina Jolie');
    expect(details.faces.length).toBe(biggest.faceCount);
    expect(details.avatarFaceId).not.toBeNull();
  });

  it('browses photos and a photo with its faces', async () => {
    const page = await ok('photos.list', { offset: 0, limit: 4 });
    expect(page.total).toBe(PHOTOS.length);
    expect(page.photos).toHaveLength(4);
    const rest = await ok('photos.list', { offset: 4, limit: 100 });
    expect(rest.photos).toHaveLength(PHOTOS.length - 4);
    const all = [...page.photos, ...rest.photos];
    expect(new Set(all.map((p) => p.path))).toEqual(new Set(PHOTOS.map((p) => path.join(photosDir, path.basename(p)))));

    const hers = await ok('photos.list', { offset: 0, limit: 100, personId: angelinaId });
    expect(hers.total).toBeGreaterThanOrEqual(3);
    const herFiles = PHOTOS.filter((p) => p.startsWith('angelina_jolie/')).map((p) => path.basename(p));
    expect(hers.photos.filter((p) => herFiles.includes(path.basename(p.path))).length).toBeGreaterThanOrEqual(3);

    const photo = await ok('photos.get', { photoId: hers.photos[0]!.id });
    expect(await ok('photos.find', { path: photo.path })).toMatchObject({ id: photo.id, path: photo.path, faceCount: photo.faceCount });
    expect(photo.error).toBeNull();
    expect(photo.width).toBeGreaterThan(0);
    expect(photo.faces.length).toBe(photo.faceCount);
    const face = photo.faces.find((f) => f.personId === angelinaId)!;
    expect(face.personName).toBe('Angelina Jolie');
    const [x1, y1, x2, y2] = face.box;
    expect(x2).toBeGreaterThan(x1);
    expect(y2).toBeGreaterThan(y1);
    expect(face.landmarks).toHaveLength(5);
  });

  it('confirms a face by name, shows the review queue, and undoes step by step', async () => {
    const jackPhoto = (await ok('photos.list', { offset: 0, limit: 100 })).photos.find((p) => p.path.endsWith('deepface_img17.jpg'))!;
    const jackFace = [...(await ok('photos.get', { photoId: jackPhoto.id })).faces].sort(
      (a, b) => (b.box[2] - b.box[0]) * (b.box[3] - b.box[1]) - (a.box[2] - a.box[0]) * (a.box[3] - a.box[1]),
    )[0]!;
    const confirmed = await ok('faces.confirm', { faceId: jackFace.id, target: { name: 'Jack Dorsey' } });
    const jack = await ok('people.get', { personId: confirmed.personId });
    expect(jack.name).toBe('Jack Dorsey');
    expect(jack.faces.find((f) => f.id === jackFace.id)?.status).toBe('confirmed');

    const queue = await ok('review.queue', { limit: 50 });
    expect(Array.isArray(queue)).toBe(true);
    for (const item of queue) {
      expect(item.confidence).toBeGreaterThanOrEqual(0);
      expect(item.faceId).toBeGreaterThan(0);
      expect(item.faceId).not.toBe(jackFace.id); // a confirmed face is not up for review
    }
    // Someone else's face as Jack's cover is a bad request (not a crash).
    const herFace = (await ok('people.get', { personId: angelinaId })).faces[0]!;
    expect(await fails('people.setCover', { personId: confirmed.personId, faceId: herFace.id }, 'bad-request')).toMatch(/not one of/);

    const undoConfirm = await ok('history.undo', {});
    expect(undoConfirm.undone).toMatch(/confirm face/);
    expect((await ok('photos.get', { photoId: jackPhoto.id })).faces.find((f) => f.id === jackFace.id)!.status).not.toBe('confirmed');
    const undoName = await ok('history.undo', {});
    expect(undoName.undone).toMatch(/name person/);
    expect((await ok('people.get', { personId: angelinaId })).name).toBeNull();
    expect((await ok('history.undo', {})).undone).toBeNull();
  });

  it('reads and changes the settings', async () => {
    const settings = await ok('settings.get', {});
    expect(settings.detector).toBe('retinaface_mnet025');
    expect(settings.recognizer).toBe('dlib_resnet128');
    expect(settings.choices.detectors.map((d) => d.id)).toContain('retinaface_mnet025');
    expect(settings.choices.executionProviders).toContain('cpu');
    expect(settings.workers).toBe(2);

    const changed = await ok('settings.set', { autoConfidence: 0.9, workers: 1, detector: 'yunet_n' });
    expect(changed).toMatchObject({ autoConfidence: 0.9, workers: 1, detector: 'yunet_n', recognizer: 'dlib_resnet128' });
    expect(await ok('settings.get', {})).toMatchObject({ autoConfidence: 0.9, workers: 1, detector: 'yunet_n' });
    await ok('settings.set', { detector: 'retinaface_mnet025' });
  });

  it('removes the folder, then its photos are gone', async () => {
    expect(await ok('library.removeFolder', { folderId })).toEqual({ removed: true });
    const status = await ok('library.status', {});
    expect(status.folders).toEqual([]);
    expect(status.photos).toBe(0);
    expect(await fails('library.removeFolder', { folderId }, 'not-found')).toMatch(String(folderId));
  });
});
