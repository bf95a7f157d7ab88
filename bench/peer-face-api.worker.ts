/**
 * One face-api worker of bench/peer-face-api.ts: its own TF.js with the wasm backend (one wasm thread), the SSD
 * MobileNet v1 detector, the 68-point landmark net and the recognition net, loaded from the npm package's model/.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import sharp from 'sharp';
import type { Box } from '../src-main/common/geometry.js';

export interface PeerWorkerData {
  /** Shrink so the long side is at most this before detection; null: the full-resolution decode. */
  readonly maxSide: number | null;
  readonly minConfidence: number;
}

export interface PeerFace {
  /** x1, y1, x2, y2 in the upright full-resolution photo's pixels. */
  readonly box: Box;
  readonly score: number;
}

export interface PeerPhotoResult {
  readonly file: string;
  /** Size of the image given to face-api. */
  readonly width: number;
  readonly height: number;
  /** Image size / full-resolution size. */
  readonly scale: number;
  readonly faces: readonly PeerFace[];
  /** 128-d descriptors computed (one per detected face). */
  readonly descriptors: number;
}

export type PeerRequest = { readonly file: string };

export type PeerReply =
  | { readonly kind: 'ready'; readonly backend: string; readonly simd: boolean; readonly version: string }
  | { readonly kind: 'photo'; readonly result: PeerPhotoResult }
  | { readonly kind: 'error'; readonly file: string; readonly message: string };

const require = createRequire(import.meta.url);
const packageDir = (name: string): string => path.dirname(require.resolve(`${name}/package.json`));

async function initialise(): Promise<PeerReply> {
  tf.enableProdMode();
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths(`${path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist')}${path.sep}`);
  if (!(await tf.setBackend('wasm'))) throw new Error('face-api peer: the TF.js wasm backend did not start');
  await tf.ready();
  const models = path.join(packageDir('@vladmandic/face-api'), 'model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(models);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(models);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(models);
  return { kind: 'ready', backend: tf.getBackend(), simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), version: faceapi.version };
}

/** Upright 8-bit RGB, as a developer would decode it with sharp. */
async function decode(file: string, maxSide: number | null) {
  const image = sharp(file).rotate();
  const meta = await image.metadata();
  const fullWidth = (meta.orientation ?? 1) >= 5 ? meta.height : meta.width;
  if (maxSide !== null) image.resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true });
  const { data, info } = await image.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${file}: decoded to ${info.channels} channels`);
  return { data, width: info.width, height: info.height, scale: info.width / fullWidth };
}

async function analyse(file: string, settings: PeerWorkerData): Promise<PeerPhotoResult> {
  const image = await decode(file, settings.maxSide);
  const input = faceapi.tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
  try {
    const found = await faceapi
      .detectAllFaces(input, new faceapi.SsdMobilenetv1Options({ minConfidence: settings.minConfidence }))
      .withFaceLandmarks()
      .withFaceDescriptors();
    const s = 1 / image.scale;
    const faces = found.map(({ detection: d }): PeerFace => ({
      box: [d.box.x * s, d.box.y * s, (d.box.x + d.box.width) * s, (d.box.y + d.box.height) * s],
      score: d.score,
    }));
    const descriptors = found.filter((f) => f.descriptor.length === 128).length;
    return { file, width: image.width, height: image.height, scale: image.scale, faces, descriptors };
  } finally {
    input.dispose();
  }
}

async function serve(port: NonNullable<typeof parentPort>, settings: PeerWorkerData): Promise<void> {
  port.postMessage(await initialise());
  port.on('message', ({ file }: PeerRequest) => {
    analyse(file, settings).then(
      (result) => port.postMessage({ kind: 'photo', result } satisfies PeerReply),
      (e: unknown) => port.postMessage({ kind: 'error', file, message: String(e) } satisfies PeerReply),
    );
  });
}

sharp.concurrency(1); // as in the app's index workers
sharp.cache(false);
if (parentPort) await serve(parentPort, workerData as PeerWorkerData);
