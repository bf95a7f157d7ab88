/** Shared helpers of the measurement scripts in bench/ (see bench/vitest.measure.config.ts). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifestSchema, type DetectorModel } from '../src-main/common/model-manifest.js';
import { createDetector } from '../src-main/node/vision/create-detector.js';
import type { BatchFaceDetector } from '../src-main/node/vision/detector-input.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PHOTOS = process.env['FACETAG_SHARED_PHOTOS'] ?? '/work/shared/photos';

export function detectorSpec(id: string): DetectorModel {
  const manifest = manifestSchema.parse(JSON.parse(readFileSync(path.join(ROOT, 'models/manifest.json'), 'utf8')));
  const spec = manifest.models.find((m) => m.id === id);
  if (!spec || spec.role !== 'detector') throw new Error(`no detector ${id} in the manifest`);
  return spec;
}

/** One onnxruntime thread, as each of the app's workers runs. */
export async function openDetector(id: string): Promise<BatchFaceDetector> {
  const spec = detectorSpec(id);
  return createDetector(spec, path.join(ROOT, 'models', spec.file), { intraOpThreads: 1 });
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[s.length >> 1]!;
}

/** Runs `fn` `runs` times, returns the last result and the median time in ms. */
export async function timed<T>(runs: number, fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const times: number[] = [];
  let result!: T;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await fn();
    times.push(performance.now() - t);
  }
  return { result, ms: median(times) };
}

export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function writeReport(name: string, text: string): string {
  const dir = path.join(ROOT, 'bench', 'out');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}
