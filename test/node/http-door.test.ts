import type { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanProgress } from '../../src-main/common/library.js';
import { CONTENT_SECURITY_POLICY } from '../../src-main/node/api/app-resources.js';
import { FacetagCore } from '../../src-main/node/api/facetag-core.js';
import { HttpDoor, isLoopback } from '../../src-main/node/api/http-door.js';
import { makeTempDir, waitFor, type TempDir } from '../support/library-fixtures.js';
import { IDENTITY_DIR } from '../support/people-fixtures.js';
import { collectEvents, httpRequest, json, type RequestOptions } from '../support/http-client.js';
import { REPO_ROOT } from '../support/paths.js';

/**
 * Door 2 over real HTTP on 127.0.0.1: the session token (URL → cookie), the Host check against DNS rebinding,
 * loopback-only clients, API errors as HTTP statuses, the event stream during a real scan, and the static UI with
 * its Content-Security-Policy.
 */

const TOKEN = 'test-token-0123456789abcdefghijklmnop';
const PHOTOS = ['angelina_jolie/deepface_img5.jpg', 'angelina_jolie/deepface_img10.jpg', 'jennifer_aniston/deepface_img12.jpg'];

let temp: TempDir;
let photosDir: string;
let uiDir: string;
let core: FacetagCore;
let door: HttpDoor;
let port: number;

const auth = { Cookie: `facetag_token=${TOKEN}` };
const get = (target: string, options: RequestOptions = {}) => httpRequest(port, target, options);
const post = (method: string, body: unknown, options: RequestOptions = {}) =>
  httpRequest(port, `/api/${method}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...options,
    headers: { 'Content-Type': 'application/json', ...auth, ...options.headers },
  });

/** A non-loopback IPv4 address of this machine, if it has one. */
function otherAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}

beforeAll(async () => {
  temp = await makeTempDir('http-door');
  photosDir = path.join(temp.dir, 'photos');
  uiDir = path.join(temp.dir, 'ui');
  await mkdir(photosDir, { recursive: true });
  await mkdir(path.join(uiDir, 'assets'), { recursive: true });
  for (const photo of PHOTOS) await copyFile(path.join(IDENTITY_DIR, photo), path.join(photosDir, path.basename(photo)));
  await writeFile(path.join(uiDir, 'index.html'), '<!doctype html><title>Facetag</title><script type="module" src="./assets/app.js"></script>');
  await writeFile(path.join(uiDir, 'assets', 'app.js'), 'console.log("facetag");');
  await writeFile(path.join(temp.dir, 'secret.txt'), 'not for the browser');
  core = new FacetagCore(path.join(temp.dir, 'library.db'));
  door = new HttpDoor(core, { port: 0, token: TOKEN, uiDir });
  const url = await door.listen();
  port = Number(new URL(url).port);
  expect(url).toBe(`http://127.0.0.1:${port}/?token=${TOKEN}`);
});

afterAll(async () => {
  await door?.close();
  await core?.close();
  await temp?.cleanup();
});

describe('who may connect', () => {
  it('isLoopback accepts the loopback addresses only', () => {
    for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a), a).toBe(true);
    for (const a of [undefined, '', '0.0.0.0', '::', '192.168.1.10', '10.0.0.1', '::ffff:192.168.1.10', '128.0.0.1', '127.0.0.1.evil.com', 'localhost', 'fe80::1']) {
      expect(isLoopback(a), String(a)).toBe(false);
    }
  });

  it('listens on 127.0.0.1 only', () => {
    const address = (door as unknown as { server: http.Server }).server.address() as AddressInfo;
    expect(address.address).toBe('127.0.0.1');
    expect(address.port).toBe(port);
  });

  it('cannot be reached through the machine\'s other network address', async (context) => {
    const other = otherAddress();
    if (!other) return context.skip('this machine has no non-loopback IPv4 address');
    const outcome = await new Promise<string>((resolve) => {
      const socket = net.connect({ host: other, port });
      socket.setTimeout(3000, () => {
        socket.destroy();
        resolve('timeout');
      });
      socket.on('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(outcome).not.toBe('connected');
  });

  it('refuses a client whose address is not loopback, even with the token', async (context) => {
    const other = otherAddress();
    if (!other) return context.skip('this machine has no non-loopback IPv4 address');
    // A connection to 127.0.0.1 from this machine's other address: its peer address is not a loopback one.
    const reply = await post('library.status', {}, { localAddress: other });
    expect(reply.status).toBe(403);
    expect(json(reply).error!.message).toMatch(/only answers this computer/);
    expect((await get(`/?token=${TOKEN}`, { localAddress: other })).status).toBe(403);
  });

  it.each(['evil.example.com', 'evil.example.com:PORT', '127.0.0.1', '127.0.0.1:1', '127.0.0.2:PORT', '[::1]:PORT', 'localhost.evil.com:PORT', 'PORT'])(
    'refuses the Host header %s (DNS rebinding)',
    async (host) => {
      // The port is known once the door listens (beforeAll).
      const realHost = host.replace('PORT', String(port));
      for (const reply of [await post('library.status', {}, { host: realHost }), await get('/', { host: realHost, headers: auth })]) {
        expect(reply.status, realHost).toBe(403);
        expect(json(reply).error!.message).toMatch(/Host/);
      }
    },
  );

  it('answers the Host headers 127.0.0.1:port and localhost:port', async () => {
    expect((await post('library.status', {})).status).toBe(200);
    expect((await post('library.status', {}, { host: `localhost:${port}` })).status).toBe(200);
  });
});

describe('the session token', () => {
  const unauthorised = async (options: RequestOptions, what: string): Promise<void> => {
    const replies = {
      api: await httpRequest(port, '/api/library.status', { method: 'POST', body: '{}', ...options, headers: { 'Content-Type': 'application/json', ...options.headers } }),
      events: await get('/api/events', options),
      index: await get('/', options),
      asset: await get('/assets/app.js', options),
      photo: await get('/media/photo/1', options),
      face: await get('/media/face/1', options),
      file: await get(`/media/file?path=${encodeURIComponent(path.join(photosDir, 'deepface_img5.jpg'))}`, options),
    };
    for (const [name, reply] of Object.entries(replies)) {
      expect(reply.status, `${what}: ${name}`).toBe(401);
      expect(json(reply).error!.code).toBe('unauthorized');
      expect(reply.headers['set-cookie']).toBeUndefined();
      expect(reply.text).not.toContain('facetag");');
    }
  };

  it('is required on every request: API, events, UI, media', async () => {
    await unauthorised({}, 'no token');
  });

  it('must be the right one (query, cookie or bearer)', async () => {
    const wrong = TOKEN.slice(0, -1) + (TOKEN.endsWith('x') ? 'y' : 'x');
    await unauthorised({ headers: { Cookie: `facetag_token=${wrong}` } }, 'wrong cookie');
    await unauthorised({ headers: { Cookie: 'facetag_token=short' } }, 'short cookie');
    await unauthorised({ headers: { Cookie: `other_cookie=${TOKEN}` } }, 'token in another cookie');
    await unauthorised({ headers: { Authorization: `Bearer ${wrong}` } }, 'wrong bearer');
    expect((await get(`/?token=${wrong}`)).status).toBe(401);
    expect((await get(`/?token=`)).status).toBe(401);
    expect((await get(`/media/photo/1?token=${TOKEN}x`)).status).toBe(401);
  });

  it('in the printed URL is swapped for an HttpOnly SameSite=Strict cookie that then works', async () => {
    const first = await get(`/?token=${TOKEN}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = first.headers['set-cookie']![0]!;
    expect(cookie).toMatch(new RegExp(`^facetag_token=${TOKEN};`));
    expect(cookie).toMatch(/;\s*HttpOnly/);
    expect(cookie).toMatch(/;\s*SameSite=Strict/);
    expect(cookie).toMatch(/;\s*Path=\//);
    const pair = cookie.split(';')[0]!;

    const index = await get('/', { headers: { Cookie: pair } });
    expect(index.status).toBe(200);
    expect(index.text).toContain('<title>Facetag</title>');
    const api = await post('library.status', {}, { headers: { Cookie: `theme=dark; ${pair}` } });
    expect(api.status).toBe(200);
    expect(json(api).ok).toBe(true);

    // Any other query stays; only the token leaves the address bar.
    const deep = await get(`/people?tab=named&token=${TOKEN}`);
    expect(deep.status).toBe(303);
    expect(deep.headers.location).toBe('/people?tab=named');
  });

  it('also works as a bearer token', async () => {
    const reply = await post('library.status', {}, { headers: { Cookie: '', Authorization: `Bearer ${TOKEN}` } });
    expect(reply.status).toBe(200);
  });
});

describe('the API over HTTP', () => {
  it('answers a request with {ok: true, result}', async () => {
    const reply = await post('settings.get', {});
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(json<{ ok: true; result: { detector: string } }>(reply).result.detector).toBe('retinaface_mnet025');
    // An empty body is an empty request.
    expect((await post('library.status', '')).status).toBe(200);
  });

  it('maps API errors to HTTP statuses: 400, 404', async () => {
    const bad = await post('people.get', { personId: -1 });
    expect(bad.status).toBe(400);
    expect(json(bad)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(json(bad).error!.message).toMatch(/personId/);
    expect((await post('people.get', { personId: 1, extra: 1 })).status).toBe(400);
    expect((await post('no.such.method', {})).status).toBe(400);
    const missing = await post('people.get', { personId: 4242 });
    expect(missing.status).toBe(404);
    expect(json(missing).error!.code).toBe('not-found');
    expect((await post('photos.get', { photoId: 4242 })).status).toBe(404);
  });

  it('refuses what is not a JSON POST', async () => {
    const notJson = await post('library.status', '{not json');
    expect(notJson.status).toBe(400);
    expect(json(notJson).error!.message).toMatch(/not valid JSON/);
    const textPlain = await post('library.status', '{}', { headers: { 'Content-Type': 'text/plain' } });
    expect(textPlain.status).toBe(415);
    const form = await post('library.status', 'a=1', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    const noType = await httpRequest(port, '/api/library.status', { method: 'POST', body: '{}', headers: auth });
    expect(noType.status).toBe(415);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const reply = await httpRequest(port, '/api/library.status', { method, headers: auth });
      expect(reply.status, method).toBe(405);
      expect(json(reply).ok).toBe(false);
    }
    const huge = await post('library.addFolder', JSON.stringify({ path: 'x'.repeat(2 << 20) }));
    expect(huge.status).toBe(413);
    const badEscape = await post('people.%E0%A4%A', {});
    expect(badEscape.status).toBe(400);
  });

  it('streams scan progress on /api/events during a scan, and answers 409 to what must wait for it', async () => {
    const stream = collectEvents(port, '/api/events', auth, (events) => events.some((e) => e.event === 'scan.finished'));
    const opened = await stream.opened;
    expect(opened.statusCode).toBe(200);
    expect(opened.headers['content-type']).toBe('text/event-stream');

    const folder = json<{ ok: true; result: { id: number } }>(await post('library.addFolder', { path: photosDir })).result;
    const started = await post('scan.start', {});
    expect(json<{ ok: true; result: { running: boolean } }>(started).result.running).toBe(true);
    const paused = await post('scan.pause', {});
    expect(paused.status).toBe(200);
    const conflict = await post('library.removeFolder', { folderId: folder.id });
    expect(conflict.status).toBe(409);
    expect(json(conflict).error!.code).toBe('conflict');
    await post('scan.resume', {});

    const events = await stream.done;
    const progress = events.filter((e) => e.event === 'scan.progress').map((e) => e.data as ScanProgress);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.some((p) => p.phase === 'indexing' && p.total === PHOTOS.length)).toBe(true);
    expect(progress.at(-1)!.phase).toBe('done');
    const finished = events.find((e) => e.event === 'scan.finished')!.data as { summary: { photos: number }; error: string | null };
    expect(finished.error).toBeNull();
    expect(finished.summary.photos).toBe(PHOTOS.length);
    await core.scanFinished();
    expect(json<{ ok: true; result: { photos: number } }>(await post('library.status', {})).result.photos).toBe(PHOTOS.length);
    // The stream is closed (by the client): the door stops listening to the core.
    const coreEvents = (core as unknown as { events: EventEmitter }).events;
    await waitFor(() => coreEvents.listenerCount('scan.progress') === 0, 5000, 'the event stream to unsubscribe');
    expect(coreEvents.listenerCount('scan.finished')).toBe(0);
  });
});

describe('the static UI', () => {
  it('serves index.html and assets with the Content-Security-Policy', async () => {
    for (const [target, type] of [
      ['/', /^text\/html/],
      ['/index.html', /^text\/html/],
      ['/assets/app.js', /^text\/javascript/],
    ] as const) {
      const reply = await get(target, { headers: auth });
      expect(reply.status, target).toBe(200);
      expect(reply.headers['content-type']).toMatch(type);
      expect(reply.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(reply.headers['x-frame-options']).toBe('DENY');
    }
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'none'/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self'(;|$)/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|\*/);
    expect((await get('/assets/missing.js', { headers: auth })).status).toBe(404);
  });

  it.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/..%5c..%5csecret.txt',
    '/%00',
    '/%E0%A4%A',
  ])('does not serve %s from outside the UI folder', async (target) => {
    const reply = await get(target, { headers: auth });
    expect([400, 403, 404]).toContain(reply.status);
    expect(reply.text).not.toContain('not for the browser');
    expect(reply.text).not.toContain('root:');
  });

  it('says so when the UI is not built (503), or serves the built one with its CSP', async () => {
    const built = existsSync(path.join(REPO_ROOT, 'dist-renderer', 'index.html'));
    const defaultDoor = new HttpDoor(core, { token: TOKEN });
    const emptyDoor = new HttpDoor(core, { token: TOKEN, uiDir: path.join(temp.dir, 'no-ui') });
    try {
      const defaultPort = Number(new URL(await defaultDoor.listen()).port);
      const emptyPort = Number(new URL(await emptyDoor.listen()).port);
      const notBuilt = await httpRequest(emptyPort, '/', { host: `127.0.0.1:${emptyPort}`, headers: auth });
      expect(notBuilt.status).toBe(503);
      expect(notBuilt.text).toMatch(/not built.*npm run build/);
      const reply = await httpRequest(defaultPort, '/', { host: `127.0.0.1:${defaultPort}`, headers: auth });
      if (built) {
        expect(reply.status).toBe(200);
        expect(reply.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      } else {
        expect(reply.status).toBe(503);
      }
    } finally {
      await defaultDoor.close();
      await emptyDoor.close();
    }
  });
});
