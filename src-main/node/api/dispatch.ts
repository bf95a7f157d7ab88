import { ApiError, requestSchemas, type ApiErrorBody, type ApiMethod } from '../../common/api/contract.js';
import type { FacetagCore } from './facetag-core.js';

export type DispatchResult = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: ApiErrorBody };

function isMethod(method: string): method is ApiMethod {
  return Object.hasOwn(requestSchemas, method);
}

/**
 * The boundary every door calls: checks the method exists and the request matches its schema, runs it, and turns
 * every failure into a typed error body (never a crash, never a stack trace to the UI).
 */
export async function dispatch(core: FacetagCore, method: string, rawRequest: unknown): Promise<DispatchResult> {
  if (!isMethod(method)) return { ok: false, error: { code: 'bad-request', message: `There is no request called "${method}".` } };
  const parsed = requestSchemas[method].safeParse(rawRequest ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
    return { ok: false, error: { code: 'bad-request', message: `The request "${method}" is not valid: ${issues}.` } };
  }
  try {
    return { ok: true, result: await core.handle(method, parsed.data as never) };
  } catch (error) {
    if (error instanceof ApiError) return { ok: false, error: { code: error.code, message: error.message } };
    process.stderr.write(`facetag: ${method} failed: ${(error as Error).stack ?? String(error)}\n`);
    return { ok: false, error: { code: 'internal', message: `Something went wrong while doing "${method}": ${(error as Error).message}` } };
  }
}
