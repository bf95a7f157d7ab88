import type { ApiErrorBody, ApiEventName, ApiEvents, ApiMethod, ApiRequest, ApiResponse, FacetagApi } from '../../src-main/common/api/contract';

/** What the Electron preload exposes (contextBridge): the typed API and nothing else. */
export interface PreloadBridge {
  call(method: string, request: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: ApiErrorBody }>;
  on(event: string, listener: (payload: unknown) => void): () => void;
  /** The native folder dialog (Electron door only): the chosen folder's path, or null when cancelled. */
  pickFolder?(): Promise<string | null>;
}

declare global {
  interface Window {
    facetag?: PreloadBridge;
  }
}

/** A failed request, with the core's error code and a message a user understands. */
export class ApiCallError extends Error {
  constructor(
    readonly code: ApiErrorBody['code'],
    message: string,
  ) {
    super(message);
  }
}

function unwrap<T>(outcome: { ok: true; result: unknown } | { ok: false; error: ApiErrorBody }): T {
  if (!outcome.ok) throw new ApiCallError(outcome.error.code, outcome.error.message);
  return outcome.result as T;
}

/** Door 1: Electron IPC through the preload bridge. */
class IpcApi implements FacetagApi {
  constructor(private readonly bridge: PreloadBridge) {}

  async call<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResponse<M>> {
    return unwrap(await this.bridge.call(method, request));
  }

  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    return this.bridge.on(event, listener as (payload: unknown) => void);
  }
}

/** Door 2: the loopback HTTP server (`facetag serve`), authenticated by its session cookie. */
class HttpApi implements FacetagApi {
  private source: EventSource | undefined;

  async call<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResponse<M>> {
    let response: Response;
    try {
      response = await fetch(`api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(request),
        credentials: 'same-origin',
      });
    } catch {
      throw new ApiCallError('internal', 'Facetag is not answering. Is `facetag serve` still running?');
    }
    const body = (await response.json().catch(() => ({ ok: false, error: { code: 'internal', message: `HTTP ${response.status}` } }))) as
      | { ok: true; result: unknown }
      | { ok: false; error: ApiErrorBody };
    return unwrap(body);
  }

  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    this.source ??= new EventSource('api/events', { withCredentials: true });
    const handler = (e: MessageEvent<string>): void => listener(JSON.parse(e.data) as ApiEvents[E]);
    this.source.addEventListener(event, handler as EventListener);
    return () => this.source?.removeEventListener(event, handler as EventListener);
  }
}

/** The API through whichever door this UI was opened from. */
export function connectApi(): FacetagApi {
  return window.facetag ? new IpcApi(window.facetag) : new HttpApi();
}

/** URLs of images; the same paths work over HTTP and Electron's facetag:// protocol (relative to the page). */
export const mediaUrl = {
  photo: (photoId: number, size = 1024): string => `media/photo/${photoId}?size=${size}`,
  face: (faceId: number): string => `media/face/${faceId}`,
};
