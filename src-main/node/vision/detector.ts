import type { Detection } from '../../common/face.js';
import type { RgbImage } from '../../common/raster.js';

export interface DetectOptions {
  /** Faces scoring below this are dropped; defaults to the model's manifest threshold. */
  readonly scoreThreshold?: number;
}

/** A face detector: finds faces with five landmarks, in the pixel frame of the image it is given. */
export interface FaceDetector {
  readonly id: string;
  readonly defaultScoreThreshold: number;
  detect(image: RgbImage, options?: DetectOptions): Promise<Detection[]>;
  release(): Promise<void>;
}
