import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MediaError, type MediaStore } from './media.js';

/** The UI's content security policy: nothing but this origin, no inline scripts, no remote anything. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; " +
  "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

export interface AppResource {
  readonly status: number;
  readonly type: string;
  readonly body: Buffer | string;
  readonly headers: Record<string, string>;
}

const error = (status: number, code: string, message: string): AppResource => ({
  status,
  type: 'application/json; charset=utf-8',
  body: JSON.stringify({ ok: false, error: { code, message } }),
  headers: {},
});

/** Media (photos, face crops, library files) and the built UI's files, the same for both doors. */
export async function appResource(media: MediaStore, uiDir: string, pathname: string, search: URLSearchParams): Promise<AppResource> {
  if (pathname.startsWith('/media/')) {
    try {
      const [, , kind, idText] = pathname.split('/');
      const id = Number(idText);
      const cache = { 'Cache-Control': 'private, max-age=3600' };
      if (kind === 'photo' && Number.isInteger(id)) {
        return { status: 200, type: 'image/webp', body: await media.photo(id, Number(search.get('size') ?? 1024)), headers: cache };
      }
      if (kind === 'face' && Number.isInteger(id)) return { status: 200, type: 'image/webp', body: await media.face(id), headers: cache };
      if (kind === 'file') {
        const file = await media.file(search.get('path') ?? '');
        return { status: 200, type: 'application/octet-stream', body: file.bytes, headers: {} };
      }
      return error(404, 'not-found', 'No such media.');
    } catch (e) {
      if (e instanceof MediaError) return error(e.status, e.status === 403 ? 'unauthorized' : 'not-found', e.message);
      throw e;
    }
  }
  let relative: string;
  try {
    relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
  } catch {
    return error(400, 'bad-request', 'The address is not valid.');
  }
  const root = path.resolve(uiDir);
  const file = path.resolve(root, relative);
  if (!file.startsWith(root + path.sep) || relative.includes('\0')) return error(403, 'unauthorized', 'Not part of the app.');
  const bytes = await readFile(file).catch(() => undefined);
  if (!bytes) {
    return relative === 'index.html'
      ? { status: 503, type: 'text/plain; charset=utf-8', body: 'The UI is not built: run `npm run build`.', headers: {} }
      : error(404, 'not-found', 'Not found.');
  }
  return {
    status: 200,
    type: TYPES[path.extname(file)] ?? 'application/octet-stream',
    body: bytes,
    headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Frame-Options': 'DENY' },
  };
}
