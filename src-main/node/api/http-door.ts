import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { ApiEventName } from '../../common/api/contract.js';
import { packageRoot } from '../util/package-root.js';
import { dispatch } from './dispatch.js';
import type { FacetagCore } from './facetag-core.js';
import { appResource } from './app-resources.js';
import { MediaStore } from './media.js';

const COOKIE = 'facetag_token';
const MAX_BODY = 1 << 20;

export interface HttpDoorOptions {
  readonly port?: number;
  /** The built UI (vite output); default dist-renderer/ in the package. */
  readonly uiDir?: string;
  /** A fixed token (tests); default: a fresh random one per session. */
  readonly token?: string;
}

export function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

function sameSecret(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(req: http.IncomingMessage): string | undefined {
  return req.headers.cookie
    ?.split(';')
    .map((c) => c.trim().split('='))
    .find(([k]) => k === COOKIE)?.[1];
}

function send(res: http.ServerResponse, status: number, body: string | Buffer, type = 'application/json; charset=utf-8', extra: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    ...extra,
  });
  res.end(body);
}

const sendError = (res: http.ServerResponse, status: number, code: string, message: string): void =>
  send(res, status, JSON.stringify({ ok: false, error: { code, message } }));

class BodyTooLarge extends Error {
  constructor() {
    super(`the request is larger than ${MAX_BODY} bytes`);
  }
}

/** A path segment decoded, or undefined when its %-escapes are malformed. */
function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Door 2: the API and the built UI over HTTP, on 127.0.0.1 only, for one session token. The token arrives once in
 * the printed URL, is swapped for an HttpOnly same-site cookie, and is then required on every request (API,
 * events, media). Requests from other hosts, other Host headers (DNS rebinding) or without the token are refused.
 */
export class HttpDoor {
  readonly token: string;
  private readonly server: http.Server;
  private readonly media: MediaStore;
  private readonly uiDir: string;
  private port = 0;

  constructor(
    private readonly core: FacetagCore,
    private readonly options: HttpDoorOptions = {},
  ) {
    this.token = options.token ?? randomBytes(24).toString('base64url');
    this.media = new MediaStore(core.library);
    this.uiDir = options.uiDir ?? path.join(packageRoot(), 'dist-renderer');
    this.server = http.createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendError(res, 500, 'internal', `Something went wrong: ${(error as Error).message}`);
        else res.end();
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.url();
  }

  /** The URL to open: it carries the session token once. */
  url(): string {
    return `http://127.0.0.1:${this.port}/?token=${this.token}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private authorised(req: http.IncomingMessage, url: URL): boolean {
    const bearer = req.headers.authorization?.replace(/^Bearer\s+/i, '');
    return sameSecret(bearer, this.token) || sameSecret(cookieToken(req), this.token) || sameSecret(url.searchParams.get('token') ?? undefined, this.token);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!isLoopback(req.socket.remoteAddress)) return sendError(res, 403, 'unauthorized', 'Facetag only answers this computer.');
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${this.port}` && host !== `localhost:${this.port}`) {
      return sendError(res, 403, 'unauthorized', 'Unexpected Host header.');
    }
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (!this.authorised(req, url)) {
      return sendError(res, 401, 'unauthorized', 'Open Facetag with the link `facetag serve` printed (it carries this session\'s key).');
    }
    if (url.searchParams.has('token') && req.method === 'GET' && !url.pathname.startsWith('/media/')) {
      // Swap the token in the URL for a cookie, and drop it from the address bar.
      url.searchParams.delete('token');
      return send(res, 303, '', 'text/plain', {
        Location: url.pathname + url.search,
        'Set-Cookie': `${COOKIE}=${this.token}; HttpOnly; SameSite=Strict; Path=/`,
      });
    }
    if (url.pathname.startsWith('/api/')) return this.api(req, res, url);
    return this.resource(res, url);
  }

  private async api(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/api/events' && req.method === 'GET') return this.events(req, res);
    if (req.method !== 'POST') return sendError(res, 405, 'bad-request', 'Use POST for API requests.');
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return sendError(res, 415, 'bad-request', 'API requests are JSON.');
    }
    let body: unknown;
    try {
      const text = await readBody(req);
      body = text ? JSON.parse(text) : {};
    } catch (error) {
      if (error instanceof BodyTooLarge) return sendError(res, 413, 'bad-request', `The request is too large (${error.message}).`);
      return sendError(res, 400, 'bad-request', `The request body is not valid JSON (${(error as Error).message}).`);
    }
    const method = decoded(url.pathname.slice('/api/'.length));
    if (method === undefined) return sendError(res, 400, 'bad-request', 'The request name is not valid.');
    const outcome = await dispatch(this.core, method, body);
    const status = outcome.ok ? 200 : { 'bad-request': 400, 'not-found': 404, conflict: 409, unauthorized: 401, internal: 500 }[outcome.error.code];
    send(res, status, JSON.stringify(outcome));
  }

  private events(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    const names: ApiEventName[] = ['scan.progress', 'scan.finished', 'library.changed'];
    const stops = names.map((name) => this.core.on(name, (payload) => res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`)));
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(keepAlive);
      for (const stop of stops) stop();
    });
  }

  private async resource(res: http.ServerResponse, url: URL): Promise<void> {
    const resource = await appResource(this.media, this.uiDir, url.pathname, url.searchParams);
    send(res, resource.status, resource.body, resource.type, resource.headers);
  }
}
