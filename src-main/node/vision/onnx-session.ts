import * as ort from 'onnxruntime-node';

/** Execution providers a user can pick; onnxruntime-node offers a subset per platform. */
export type ExecutionProvider = 'cpu' | 'cuda' | 'dml' | 'coreml';

export interface SessionSettings {
  /** Tried in order, CPU always last. Default: CPU only. */
  readonly executionProviders?: readonly ExecutionProvider[];
  /** Threads inside one operator. With one session per worker, 1 is best on small machines. */
  readonly intraOpThreads?: number;
}

/** The execution providers this build of onnxruntime-node supports on this platform. */
export function availableExecutionProviders(): ExecutionProvider[] {
  const known = new Set<string>(ort.listSupportedBackends().map((b) => b.name));
  return (['cuda', 'dml', 'coreml', 'cpu'] as const).filter((ep) => ep === 'cpu' || known.has(ep));
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
