import type { AnalysedFace, Detection, PhotoAnalysis } from '../../common/face.js';
import { clampBox, scaleBox, scaleLandmarks } from '../../common/geometry.js';
import { measureFaceQuality } from '../../common/face-quality.js';
import { loadPhoto, type DecodedPhoto } from '../image/load-image.js';
import {
  findDetectorModel,
  findRecognizerModel,
  installedModelPath,
} from '../models/model-store.js';
import { createDetector } from './create-detector.js';
import type { FaceDetector } from './detector.js';
import { alignFace } from './face-chip.js';
import type { SessionSettings } from './onnx-session.js';
import { createRecognizer } from './onnx-recognizer.js';
import type { FaceRecognizer } from './recognizer.js';

export interface PipelineOptions {
  /** Detector model id or architecture ("retinaface", "yunet"); default from the manifest. */
  readonly detector?: string;
  /** Recognizer model id; default from the manifest. */
  readonly recognizer?: string;
  /** Detector score threshold; default from the manifest. */
  readonly scoreThreshold?: number;
  readonly session?: SessionSettings;
}

/**
 * Photos are decoded once, shrunk to at most this long side: enough for the detector's largest input and for
 * sharp face chips, far less work than full 12-50 MP decodes.
 */
export const WORKING_MAX_SIDE = 1600;

/** Detect → align → embed → quality, for one photo at a time. */
export class FacePipeline {
  private constructor(
    readonly detector: FaceDetector,
    readonly recognizer: FaceRecognizer,
    private readonly scoreThreshold: number,
  ) {}

  static async open(options: PipelineOptions = {}): Promise<FacePipeline> {
    const detectorModel = findDetectorModel(options.detector);
    const recognizerModel = findRecognizerModel(options.recognizer);
    const [detectorFile, recognizerFile] = await Promise.all([
      installedModelPath(detectorModel),
      installedModelPath(recognizerModel),
    ]);
    const [detector, recognizer] = await Promise.all([
      createDetector(detectorModel, detectorFile, options.session),
      createRecognizer(recognizerModel, recognizerFile, options.session),
    ]);
    return new FacePipeline(detector, recognizer, options.scoreThreshold ?? detector.defaultScoreThreshold);
  }

  async analyseFile(file: string): Promise<PhotoAnalysis> {
    return this.analyse(await loadPhoto(file, { maxSide: WORKING_MAX_SIDE }));
  }

  async analyse(photo: DecodedPhoto): Promise<PhotoAnalysis> {
    const detections = await this.detector.detect(photo.pixels, { scoreThreshold: this.scoreThreshold });
    const faces = await this.describe(photo, detections);
    return {
      width: photo.width,
      height: photo.height,
      orientation: photo.orientation,
      faces,
      detectorId: this.detector.id,
      recognizerId: this.recognizer.id,
    };
  }

  /** Aligns, embeds and rates faces found in `photo.pixels`; returns them in upright full-resolution pixels. */
  private async describe(photo: DecodedPhoto, detections: readonly Detection[]): Promise<AnalysedFace[]> {
    const { template, chipSize } = this.recognizer;
    const chips = detections.map((d) => alignFace(photo.pixels, d.landmarks, template, chipSize));
    const embeddings = await this.recognizer.embed(chips);
    const toUpright = 1 / photo.scale;
    return detections.map((d, i) => {
      const upright: Detection = {
        box: clampBox(scaleBox(d.box, toUpright), photo.width, photo.height),
        landmarks: scaleLandmarks(d.landmarks, toUpright),
        score: d.score,
      };
      return { ...upright, quality: measureFaceQuality(upright, chips[i]!, photo.scale), embedding: embeddings[i]! };
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.detector.release(), this.recognizer.release()]);
  }
}
