import http from 'node:http';

/** A raw HTTP exchange with full control over the request line and headers (Host included), for the door tests. */
export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: http.OutgoingHttpHeaders;
  readonly body?: string | Buffer;
  /** Host header; default 127.0.0.1:port. */
  readonly host?: string;
  /** Connect from this local address (a non-loopback one, to play a client from elsewhere). */
  readonly localAddress?: string;
  /** Connect to this address; default 127.0.0.1. */
  readonly address?: string;
}

export function httpRequest(port: number, pathAndQuery: string, options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: options.address ?? '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: pathAndQuery,
        headers: { Host: options.host ?? `127.0.0.1:${port}`, ...options.headers },
        localAddress: options.localAddress,
        agent: false,
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${pathAndQuery}: no answer`)));
    req.end(options.body);
  });
}

/** The JSON body of a reply. */
export const json = <T = { ok: boolean; result?: unknown; error?: { code: string; message: string } }>(reply: Reply): T => JSON.parse(reply.text) as T;

export interface ServerSentEvent {
  readonly event: string;
  readonly data: unknown;
}

/**
 * Opens an event stream and collects its events until `until` says stop (or the timeout); then closes it. The
 * returned `opened` promise settles once the server has answered with the stream's headers.
 */
export function collectEvents(
  port: number,
  pathAndQuery: string,
  headers: http.OutgoingHttpHeaders,
  until: (events: ServerSentEvent[]) => boolean,
  timeoutMs = 60_000,
): { opened: Promise<http.IncomingMessage>; done: Promise<ServerSentEvent[]> } {
  let opened!: (res: http.IncomingMessage) => void;
  let failedToOpen!: (error: Error) => void;
  const openedPromise = new Promise<http.IncomingMessage>((resolve, reject) => {
    opened = resolve;
    failedToOpen = reject;
  });
  const done = new Promise<ServerSentEvent[]>((resolve, reject) => {
    const events: ServerSentEvent[] = [];
    let buffer = '';
    const req = http.get({ host: '127.0.0.1', port, path: pathAndQuery, headers: { Host: `127.0.0.1:${port}`, ...headers }, agent: false }, (res) => {
      opened(res);
      if (res.statusCode !== 200) {
        req.destroy();
        reject(new Error(`event stream answered ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data !== undefined) events.push({ event, data: JSON.parse(data) });
        }
        if (until(events)) {
          clearTimeout(timer);
          req.destroy();
          resolve(events);
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`timed out waiting for events; got ${events.map((e) => e.event).join(', ')}`));
    }, timeoutMs);
    req.on('error', (error) => {
      failedToOpen(error);
      reject(error);
    });
  });
  done.catch(() => undefined);
  return { opened: openedPromise, done };
}
