import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

/** Execution providers a user can pick; onnxruntime-node offers a subset per platform. */
export type ExecutionProvider = 'cpu' | 'cuda' | 'dml' | 'coreml';

export interface SessionSettings {
  /** Tried in order, CPU always last. Default: CPU only. */
  readonly executionProviders?: readonly ExecutionProvider[];
  /** Threads inside one operator. With one session per worker, 1 is best on small machines. */
  readonly intraOpThreads?: number;
}

/** Providers whose libraries onnxruntime-node downloads at install time rather than bundles (CUDA on Linux x64). */
const PROVIDER_LIBRARIES: Partial<Record<ExecutionProvider, string>> = { cuda: 'libonnxruntime_providers_cuda.so' };

/** Whether an unbundled provider's library was installed beside onnxruntime-node's binding. */
function providerLibraryInstalled(ep: ExecutionProvider): boolean {
  const library = PROVIDER_LIBRARIES[ep];
  if (!library) return false;
  const packageDir = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  return existsSync(path.join(packageDir, 'bin', 'napi-v6', process.platform, process.arch, library));
}

/**
 * The execution providers onnxruntime-node can use on this computer. A provider it knows but did not install (CUDA
 * without `ONNXRUNTIME_NODE_INSTALL=cuda12`) is left out: onnxruntime would quietly fall back to the CPU.
 */
export function availableExecutionProviders(): ExecutionProvider[] {
  const backends = new Map(ort.listSupportedBackends().map((b) => [b.name, b.bundled]));
  return (['cuda', 'dml', 'coreml', 'cpu'] as const).filter(
    (ep) => ep === 'cpu' || backends.get(ep) === true || (backends.get(ep) === false && providerLibraryInstalled(ep)),
  );
}

export async function openOnnxSession(file: string, settings: SessionSettings = {}): Promise<ort.InferenceSession> {
  const providers = [...(settings.executionProviders ?? []).filter((ep) => ep !== 'cpu'), 'cpu'];
  return ort.InferenceSession.create(file, {
    executionProviders: providers,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: settings.intraOpThreads ?? 0,
    interOpNumThreads: 1,
    enableCpuMemArena: true,
    enableMemPattern: true,
  });
}

export { ort };
