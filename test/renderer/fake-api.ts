import type { ApiEventName, ApiEvents, ApiMethod, ApiRequest, ApiResponse, FacetagApi } from '../../src-main/common/api/contract';

type Handler = (request: unknown) => unknown;

/** A FacetagApi that answers from a table of handlers and records every call, for component tests. */
export class FakeApi implements FacetagApi {
  readonly calls: { method: ApiMethod; request: unknown }[] = [];
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();

  constructor(private readonly handlers: Partial<Record<ApiMethod, Handler>>) {}

  async call<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResponse<M>> {
    this.calls.push({ method, request });
    const handler = this.handlers[method];
    if (!handler) throw new Error(`FakeApi: no handler for ${method}`);
    return (await handler(request)) as ApiResponse<M>;
  }

  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as (payload: unknown) => void);
    this.listeners.set(event, set);
    return () => set.delete(listener as (payload: unknown) => void);
  }

  emit<E extends ApiEventName>(event: E, payload: ApiEvents[E]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(payload);
  }

  callsOf(method: ApiMethod): unknown[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.request);
  }
}
