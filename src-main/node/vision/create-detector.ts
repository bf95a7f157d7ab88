import type { DetectorModel } from '../../common/model-manifest.js';
import type { BatchFaceDetector } from './detector-input.js';
import { openOnnxSession, type SessionSettings } from './onnx-session.js';
import { RetinaFaceDetector } from './retinaface.detector.js';
import { YuNetDetector } from './yunet.detector.js';

/** Opens `file` (the model's ONNX file) and wraps it in the detector its manifest entry's architecture names. */
export async function createDetector(spec: DetectorModel, file: string, settings?: SessionSettings): Promise<BatchFaceDetector> {
  const session = await openOnnxSession(file, settings);
  try {
    switch (spec.architecture) {
      case 'retinaface':
        return new RetinaFaceDetector(session, spec);
      case 'yunet':
        return new YuNetDetector(session, spec);
      default: {
        const never: never = spec.architecture;
        throw new Error(`unknown detector architecture ${String(never)}`);
      }
    }
  } catch (error) {
    await session.release();
    throw error;
  }
}
