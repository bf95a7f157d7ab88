import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  manifestSchema,
  type DetectorModel,
  type ModelManifest,
  type ModelSpec,
  type RecognizerModel,
} from '../../common/model-manifest.js';
import { packageRoot } from '../util/package-root.js';

export type ModelState = 'installed' | 'missing' | 'corrupt';

export interface ModelStatus {
  readonly model: ModelSpec;
  readonly state: ModelState;
  readonly path: string;
  /** Why a file is corrupt, in words. */
  readonly problem?: string;
}

export class ModelError extends Error {
  override readonly name = 'ModelError';
}

/** Where weights live: FACETAG_MODELS_DIR, else the package's models/ folder beside manifest.json. */
export function modelsDir(): string {
  return process.env.FACETAG_MODELS_DIR ?? path.join(packageRoot(), 'models');
}

let manifestCache: ModelManifest | undefined;

export function loadManifest(): ModelManifest {
  if (!manifestCache) {
    const file = path.join(packageRoot(), 'models', 'manifest.json');
    manifestCache = manifestSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  }
  return manifestCache;
}

/** Finds a model by id, or by architecture name ("retinaface", "yunet") for the CLI's --detector. */
export function findModel(idOrArchitecture: string): ModelSpec {
  const { models } = loadManifest();
  const model = models.find((m) => m.id === idOrArchitecture) ?? models.find((m) => m.architecture === idOrArchitecture);
  if (!model) {
    throw new ModelError(`unknown model "${idOrArchitecture}"; known: ${models.map((m) => m.id).join(', ')}`);
  }
  return model;
}

export function findDetectorModel(idOrArchitecture = loadManifest().defaults.detector): DetectorModel {
  const model = findModel(idOrArchitecture);
  if (model.role !== 'detector') throw new ModelError(`"${idOrArchitecture}" is a ${model.role}, not a detector`);
  return model;
}

export function findRecognizerModel(idOrArchitecture = loadManifest().defaults.recognizer): RecognizerModel {
  const model = findModel(idOrArchitecture);
  if (model.role !== 'recognizer') throw new ModelError(`"${idOrArchitecture}" is a ${model.role}, not a recognizer`);
  return model;
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function checkFile(model: ModelSpec, file: string): Promise<string | undefined> {
  const info = await stat(file);
  if (info.size !== model.bytes) return `${info.size} bytes, expected ${model.bytes}`;
  const sha = await sha256OfFile(file);
  if (sha !== model.sha256) return `sha256 ${sha}, expected ${model.sha256}`;
  return undefined;
}

export async function modelStatus(model: ModelSpec): Promise<ModelStatus> {
  const file = path.join(modelsDir(), model.file);
  if (!existsSync(file)) return { model, state: 'missing', path: file };
  const problem = await checkFile(model, file);
  return problem ? { model, state: 'corrupt', path: file, problem } : { model, state: 'installed', path: file };
}

export async function allModelStatuses(): Promise<ModelStatus[]> {
  return Promise.all(loadManifest().models.map(modelStatus));
}

export function installHint(): string {
  return (
    'Install the model weights with `npx facetag models install --from <folder-with-the-onnx-files>` ' +
    '(or `--from <https://base-url/>`); `npx facetag models` shows what is installed.'
  );
}

/**
 * The path of an installed model's weights. Checks presence and size (cheap); the sha256 is checked at install
 * time and by `facetag models`.
 */
export async function installedModelPath(model: ModelSpec): Promise<string> {
  const file = path.join(modelsDir(), model.file);
  const info = await stat(file).catch(() => undefined);
  if (!info) throw new ModelError(`model "${model.id}" is missing (${file}). ${installHint()}`);
  if (info.size !== model.bytes) {
    throw new ModelError(`model "${model.id}" is corrupt (${info.size} bytes, expected ${model.bytes}). ${installHint()}`);
  }
  return file;
}

export interface InstallResult {
  readonly model: ModelSpec;
  readonly outcome: 'installed' | 'already-installed';
}

function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

async function download(url: string, target: string): Promise<void> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new ModelError(`cannot download ${url}: HTTP ${response.status}`);
  await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(target));
}

/** Copies (or downloads) one model into the models folder, verifying it by sha256; a mismatch is refused. */
export async function installModel(model: ModelSpec, source: string): Promise<InstallResult> {
  const current = await modelStatus(model);
  if (current.state === 'installed') return { model, outcome: 'already-installed' };
  const dir = modelsDir();
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.install-${process.pid}-${model.file}`);
  try {
    if (isUrl(source)) {
      await download(new URL(model.file, source.endsWith('/') ? source : `${source}/`).href, temp);
    } else {
      const from = path.join(source, model.file);
      if (!existsSync(from)) throw new ModelError(`${model.file} is not in ${source}`);
      await copyFile(from, temp);
    }
    const problem = await checkFile(model, temp);
    if (problem) throw new ModelError(`refusing ${model.file} from ${source}: ${problem}`);
    await rename(temp, path.join(dir, model.file));
    return { model, outcome: 'installed' };
  } finally {
    await rm(temp, { force: true });
  }
}

/** Sources tried by `models install` without --from: the manifest's URLs are per model; this is the shared folder. */
export function defaultLocalSource(): string | undefined {
  const candidate = path.resolve(packageRoot(), '..', 'shared', 'models');
  return existsSync(candidate) ? candidate : undefined;
}
