import type { AnalysedFace, Detection, PhotoAnalysis } from '../../common/face.js';
import { clampBox, iou, scaleBox, scaleLandmarks, type Box, type Landmarks5 } from '../../common/geometry.js';
import { cropRgbImage, type RgbImage } from '../../common/raster.js';
import { measureFaceQuality } from '../../common/face-quality.js';
import { loadPhoto, type DecodedPhoto } from '../image/load-image.js';
import {
  findDetectorModel,
  findRecognizerModel,
  installedModelPath,
} from '../models/model-store.js';
import { createDetector } from './create-detector.js';
import type { BatchFaceDetector } from './detector-input.js';
import { detectWithPolicy } from './resolution-policy.js';
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
    readonly detector: BatchFaceDetector,
    readonly recognizer: FaceRecognizer,
    private readonly scoreThreshold: number,
  ) {}

  static async open(options: PipelineOptions = {}): Promise<FacePipeline> {
    const detectorModel = findDetectorModel(options.detector);
    const recognizerModel = findRecognizerModel(options.recognizer);
    // Both checked, the detector's problem reported first whichever check ends first: the message does not vary.
    const [detectorFile, recognizerFile] = (await Promise.allSettled([installedModelPath(detectorModel), installedModelPath(recognizerModel)])).map(
      (checked) => {
        if (checked.status === 'rejected') throw checked.reason;
        return checked.value;
      },
    ) as [string, string];
    const [detector, recognizer] = await Promise.all([
      createDetector(detectorModel, detectorFile, options.session),
      createRecognizer(recognizerModel, recognizerFile, options.session),
    ]);
    return new FacePipeline(detector, recognizer, options.scoreThreshold ?? detector.defaultScoreThreshold);
  }

  async analyseFile(file: string): Promise<PhotoAnalysis> {
    const photo = await loadPhoto(file, { maxSide: WORKING_MAX_SIDE });
    return this.analyse(photo, async (longSide) => (await loadPhoto(file, { maxSide: longSide })).pixels);
  }

  /**
   * Detects with the resolution policy (a second, larger pass for crowds of small faces, which `load` decodes
   * larger where the photo has the pixels) and low-light enhancement, then aligns, embeds and rates each face.
   */
  async analyse(photo: DecodedPhoto, load?: (longSide: number) => Promise<RgbImage>): Promise<PhotoAnalysis> {
    const found = await detectWithPolicy(
      this.detector,
      { width: photo.width, height: photo.height, pixels: photo.pixels, load },
      { scoreThreshold: this.scoreThreshold },
    );
    const detections = found.faces.map((d) => ({
      ...d,
      box: scaleBox(d.box, photo.scale),
      landmarks: scaleLandmarks(d.landmarks, photo.scale),
    }));
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

  /**
   * A face the user drew by hand (upright full-resolution box): its landmarks come from the detector run on the
   * region around the box (any score), or, where it finds nothing there, from the recognizer's template laid over
   * the box. It is then aligned, embedded and rated like any face.
   */
  async analyseRegion(photo: DecodedPhoto, box: Box): Promise<AnalysedFace> {
    const inPixels = scaleBox(box, photo.scale);
    const [x1, y1, x2, y2] = inPixels;
    const margin = Math.max(x2 - x1, y2 - y1) * 0.5;
    const left = Math.max(0, x1 - margin);
    const top = Math.max(0, y1 - margin);
    const crop = cropRgbImage(photo.pixels, left, top, x2 - x1 + 2 * margin, y2 - y1 + 2 * margin);
    const found = (await this.detector.detect(crop, { scoreThreshold: 0.05 }))
      .map((d) => ({ ...d, box: [d.box[0] + left, d.box[1] + top, d.box[2] + left, d.box[3] + top] as Box, landmarks: d.landmarks.map(([x, y]) => [x + left, y + top]) as unknown as Landmarks5 }))
      .filter((d) => iou(d.box, inPixels) >= 0.3)
      .sort((a, b) => iou(b.box, inPixels) - iou(a.box, inPixels))[0];
    const detection: Detection = found
      ? { box: inPixels, landmarks: found.landmarks, score: found.score }
      : { box: inPixels, landmarks: this.templateLandmarks(inPixels), score: 0 };
    const [face] = await this.describe(photo, [detection]);
    return face!;
  }

  /** The recognizer's template stretched over a box: a fallback guess of where eyes, nose and mouth are. */
  private templateLandmarks(box: Box): Landmarks5 {
    const { template, chipSize } = this.recognizer;
    const sx = (box[2] - box[0]) / chipSize;
    const sy = (box[3] - box[1]) / chipSize;
    return template.map(([x, y]) => [box[0] + x * sx, box[1] + y * sy]) as unknown as Landmarks5;
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
