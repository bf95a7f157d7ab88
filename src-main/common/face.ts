import type { Box, Landmarks5 } from './geometry.js';

/** One face as a detector reports it, in the pixel frame of the image it was given. */
export interface Detection {
  readonly box: Box;
  /** Detector confidence in [0, 1]. */
  readonly score: number;
  readonly landmarks: Landmarks5;
}

/** The measurements behind a face's quality score; each part is in [0, 1] except where noted. */
export interface FaceQualityParts {
  /** Variance of the Laplacian on the aligned chip's grey values, normalised to [0, 1]. */
  readonly sharpness: number;
  /** Inter-ocular distance in upright-image pixels (not normalised). */
  readonly eyeDistancePx: number;
  /** Face size mapped to [0, 1]. */
  readonly size: number;
  /** The detector score. */
  readonly detectorScore: number;
  /** Estimated yaw in degrees (0 = frontal, sign: towards image-right positive). */
  readonly yawDeg: number;
  /** Roll in degrees: the eye line's angle to the horizontal. */
  readonly rollDeg: number;
  /** Pose mapped to [0, 1] (1 = frontal and upright). */
  readonly pose: number;
  /** Exposure of the chip mapped to [0, 1] (1 = well exposed, not clipped). */
  readonly exposure: number;
}

export interface FaceQuality extends FaceQualityParts {
  /** The combined score in [0, 1] used to rank faces (see README, "Face quality"). */
  readonly overall: number;
}

/** A detected face with everything the pipeline computes for it, in upright-image coordinates. */
export interface AnalysedFace extends Detection {
  readonly quality: FaceQuality;
  readonly embedding: Float32Array;
}

/** The pipeline's result for one photo. */
export interface PhotoAnalysis {
  /** Upright (EXIF-orientation applied) size of the photo. */
  readonly width: number;
  readonly height: number;
  /** EXIF orientation tag of the stored file, 1..8 (1 when absent). */
  readonly orientation: number;
  readonly faces: AnalysedFace[];
  readonly detectorId: string;
  readonly recognizerId: string;
}
