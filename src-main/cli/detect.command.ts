import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { PhotoAnalysis } from '../common/face.js';
import { ImageError } from '../node/image/image-error.js';
import { expandPhotoPaths } from '../node/image/find-images.js';
import { writeAnnotatedCopy } from '../node/vision/annotate.js';
import { FacePipeline } from '../node/vision/face-pipeline.js';
import { EXIT_OK, EXIT_SOME_FAILED, UsageError } from './cli-error.js';
import { CountingProgress } from './progress-line.js';

interface DetectOptions {
  input: string[];
  out: string;
  json: boolean;
  detector: string;
  threshold?: number;
  draw: boolean;
}

/** One line of `facetag detect --json`: an exact contract read by other tools. */
export interface DetectJsonLine {
  file: string;
  width: number | null;
  height: number | null;
  faces: { box: number[]; score: number; landmarks: number[][]; quality: number }[];
  error: string | null;
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

export function toJsonLine(file: string, analysis: PhotoAnalysis): DetectJsonLine {
  return {
    file,
    width: analysis.width,
    height: analysis.height,
    faces: analysis.faces.map((f) => ({
      box: f.box.map((v) => round(v, 1)),
      score: round(f.score, 4),
      landmarks: f.landmarks.map(([x, y]) => [round(x, 1), round(y, 1)]),
      quality: round(f.quality.overall, 3),
    })),
    error: null,
  };
}

/** Picks a file name in `dir` for the annotated copy of `file` that no earlier photo of this run took. */
function annotatedName(file: string, taken: Set<string>): string {
  const stem = path.basename(file, path.extname(file));
  let name = `${stem}.jpg`;
  for (let n = 2; taken.has(name); n++) name = `${stem}-${n}.jpg`;
  taken.add(name);
  return name;
}

function parseThreshold(value: string): number {
  const t = Number(value);
  if (!Number.isFinite(t) || t < 0 || t > 1) throw new UsageError(`--threshold must be a number from 0 to 1, not "${value}"`);
  return t;
}

export function registerDetect(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('detect')
    .description('find faces in photos: writes annotated copies, and with --json one JSON line per photo')
    .argument('[paths...]', 'photos or folders of photos')
    .option('--input <path>', 'a photo or folder (may be repeated)', (v: string, acc: string[]) => [...acc, v], [])
    .option('--out <dir>', 'folder for annotated copies', 'face_results')
    .option('--json', 'print one JSON object per photo on stdout', false)
    .option('--detector <name>', 'retinaface or yunet', 'retinaface')
    .option('--threshold <t>', 'detector score threshold, 0..1 (default: the model\'s)', parseThreshold)
    .option('--no-draw', 'do not write annotated copies')
    .action(async (paths: string[], options: DetectOptions) => {
      setExitCode(await runDetect([...paths, ...options.input], options));
    });
}

async function runDetect(inputs: string[], options: DetectOptions): Promise<number> {
  if (inputs.length === 0) throw new UsageError('give at least one photo or folder (or --input PATH)');
  if (!['retinaface', 'yunet'].includes(options.detector)) {
    throw new UsageError(`--detector must be retinaface or yunet, not "${options.detector}"`);
  }
  const files = await expandPhotoPaths(inputs);
  const pipeline = await FacePipeline.open({ detector: options.detector, scoreThreshold: options.threshold });
  if (options.draw) await mkdir(options.out, { recursive: true });
  const progress = new CountingProgress(files.length);
  const takenNames = new Set<string>();
  let failed = 0;
  try {
    for (const file of files) {
      const line = await detectOne(pipeline, file, options, takenNames);
      progress.step(file, line.error !== null);
      if (line.error) failed++;
      if (options.json) process.stdout.write(`${JSON.stringify(line)}\n`);
      else process.stdout.write(line.error ? `${file}: ${line.error}\n` : `${file}: ${line.faces.length} face(s)\n`);
    }
  } finally {
    progress.line.done(`${files.length} photo(s), ${failed} unreadable`);
    await pipeline.close();
  }
  if (options.draw && !options.json) process.stdout.write(`annotated copies in ${path.resolve(options.out)}\n`);
  return failed > 0 ? EXIT_SOME_FAILED : EXIT_OK;
}

async function detectOne(
  pipeline: FacePipeline,
  file: string,
  options: DetectOptions,
  takenNames: Set<string>,
): Promise<DetectJsonLine> {
  let analysis: PhotoAnalysis;
  try {
    analysis = await pipeline.analyseFile(file);
  } catch (error) {
    if (!(error instanceof ImageError)) throw error;
    return { file, width: null, height: null, faces: [], error: error.message };
  }
  const line = toJsonLine(file, analysis);
  if (options.draw) {
    const faces = analysis.faces.map((f) => ({ box: f.box, landmarks: f.landmarks, label: f.score.toFixed(2) }));
    await writeAnnotatedCopy(file, path.join(options.out, annotatedName(file, takenNames)), faces, analysis.width);
  }
  return line;
}
