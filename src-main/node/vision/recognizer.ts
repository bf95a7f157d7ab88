import type { Landmarks5 } from '../../common/geometry.js';
import type { RgbImage } from '../../common/raster.js';

/** A face recognizer: turns aligned face chips into embeddings. */
export interface FaceRecognizer {
  readonly id: string;
  /** Chips are square: chipSize x chipSize pixels. */
  readonly chipSize: number;
  /** Where the five landmarks must land in the chip, in chip pixels. */
  readonly template: Landmarks5;
  readonly embeddingSize: number;
  /** One embedding per chip, in the same order; chips are processed in batches. */
  embed(chips: readonly RgbImage[]): Promise<Float32Array[]>;
  release(): Promise<void>;
}
