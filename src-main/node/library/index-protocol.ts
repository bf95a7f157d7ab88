import type { Detection, FaceQuality } from '../../common/face.js';
import type { PipelineOptions } from '../vision/face-pipeline.js';
import type { PhotoMetadata } from '../store/library.repository.js';

/** Messages between the scanner (main thread) and its index workers. */
export type IndexTask =
  /** Analyse the photo, unless its content hash is `unlessHash` (a file only touched, not changed). */
  | { readonly kind: 'analyse'; readonly file: string; readonly unlessHash?: string }
  | { readonly kind: 'hash'; readonly file: string };

export interface FileIdentity {
  readonly size: number;
  readonly mtimeMs: number;
  readonly contentHash: string;
}

export interface AnalysedFaceMessage extends Detection {
  readonly quality: FaceQuality;
}

export interface AnalyseResult extends FileIdentity, PhotoMetadata {
  readonly kind: 'analyse';
  readonly faces: readonly AnalysedFaceMessage[];
  /** All faces' embeddings back to back (faces.length x embeddingSize), transferred, not copied. */
  readonly embeddings: Float32Array;
}

export interface HashResult extends FileIdentity {
  readonly kind: 'hash';
}

/** The file's content is the one already indexed: nothing to re-detect. */
export interface SameContentResult extends FileIdentity {
  readonly kind: 'same-content';
}

export type TaskResult = AnalyseResult | HashResult | SameContentResult;

/** A photo that could not be indexed; `code` is an ImageErrorCode or "internal". */
export interface TaskFailure {
  readonly code: string;
  readonly message: string;
}

export type WorkerRequest = { readonly id: number; readonly task: IndexTask };

export type WorkerResponse =
  | { readonly type: 'ready' }
  | { readonly type: 'startup-failed'; readonly message: string }
  | { readonly type: 'done'; readonly id: number; readonly result: TaskResult }
  | { readonly type: 'failed'; readonly id: number; readonly failure: TaskFailure };

export interface WorkerSetup {
  readonly pipeline: PipelineOptions;
}
