import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { boxArea } from '../common/geometry.js';
import { isTrustedFace } from '../common/grouping.js';
import { ImageError } from '../node/image/image-error.js';
import { findRecognizerModel } from '../node/models/model-store.js';
import { calibrateGrouping, calibratePairs, type LabelledFace } from '../node/people/calibrate.js';
import { packageRoot } from '../node/util/package-root.js';
import { FacePipeline } from '../node/vision/face-pipeline.js';
import { UsageError } from './cli-error.js';

interface CalibrateOptions {
  labels: string;
  root?: string;
  recognizer?: string;
  write: boolean;
}

/** labels.csv: a header with `file` and `person` columns; files relative to --root (default: beside the CSV, then its parent). */
function readLabels(file: string, root: string | undefined): { file: string; person: string }[] {
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const columns = header!.split(',');
  const fileColumn = columns.indexOf('file');
  const personColumn = columns.indexOf('person');
  if (fileColumn < 0 || personColumn < 0) throw new UsageError(`${file} needs "file" and "person" columns`);
  const bases = root ? [root] : [path.dirname(file), path.dirname(path.dirname(file))];
  return rows.map((row) => {
    const cells = row.split(',');
    const relative = cells[fileColumn]!;
    const base = bases.find((b) => existsSync(path.join(b, relative))) ?? bases[0]!;
    return { file: path.join(base, relative), person: cells[personColumn]! };
  });
}

export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description("measure a recognizer's thresholds on labelled photos (the labelled person is the largest face)")
    .requiredOption('--labels <csv>', 'labels.csv with file and person columns')
    .option('--root <dir>', 'folder the file column is relative to')
    .option('--recognizer <id>', 'recognizer model id (default: the manifest default)')
    .option('--write', 'write the thresholds into models/manifest.json', false)
    .action(async (options: CalibrateOptions) => runCalibrate(options));
}

async function runCalibrate(options: CalibrateOptions): Promise<void> {
  const model = findRecognizerModel(options.recognizer);
  const labels = readLabels(options.labels, options.root);
  const pipeline = await FacePipeline.open({ recognizer: model.id });
  const faces: LabelledFace[] = [];
  try {
    for (const { file, person } of labels) {
      try {
        const analysis = await pipeline.analyseFile(file);
        const trusted = analysis.faces.filter((f) => isTrustedFace(f.quality, model.grouping));
        const largest = trusted.sort((a, b) => boxArea(b.box) - boxArea(a.box))[0];
        if (largest) faces.push({ person, embedding: largest.embedding, quality: largest.quality.overall, parts: largest.quality });
        else process.stderr.write(`no trusted face in ${file}\n`);
      } catch (error) {
        if (!(error instanceof ImageError)) throw error;
        process.stderr.write(`${error.message}\n`);
      }
    }
  } finally {
    await pipeline.close();
  }
  const pairsResult = calibratePairs(faces);
  process.stdout.write(
    `${faces.length} faces of ${new Set(faces.map((f) => f.person)).size} people: ${pairsResult.samePairs} same-person and ` +
      `${pairsResult.differentPairs} different-person pairs\n` +
      `ROC AUC ${pairsResult.rocAuc.toFixed(5)}; best accuracy ${pairsResult.accuracy.toFixed(4)} at distance ${pairsResult.threshold.toFixed(4)}\n` +
      `confidence: P(same) = 1 / (1 + exp((d - ${pairsResult.midpoint.toFixed(4)}) / ${pairsResult.scale.toFixed(4)}))\n`,
  );
  const grid = [0.44, 0.46, 0.48, 0.5, 0.52, 0.54, 0.56];
  const confidence = { midpoint: round(pairsResult.midpoint), scale: round(pairsResult.scale) };
  const grouping = calibrateGrouping(faces, { ...model.grouping, confidence }, grid);
  process.stdout.write('grouping: mean / worst BCubed F1 over 24 arrival orders (rows: assign, columns: merge)\n');
  process.stdout.write(`        ${grid.map((g) => g.toFixed(2).padStart(11)).join('')}\n`);
  for (const assign of grid) {
    const cells = grid.map((merge) => {
      const r = grouping.table.find((t) => t.assign === assign && t.merge === merge)!;
      return `${r.meanF1.toFixed(3)}/${r.minF1.toFixed(3)}`.padStart(11);
    });
    process.stdout.write(`  ${assign.toFixed(2)}  ${cells.join('')}\n`);
  }
  process.stdout.write(`chosen: assign ${grouping.assign}, merge ${grouping.merge} (mean F1 ${grouping.meanF1.toFixed(4)}, worst ${grouping.minF1.toFixed(4)})\n`);
  if (options.write) {
    const file = path.join(packageRoot(), 'models', 'manifest.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { models: { id: string; thresholds: object; grouping: object }[] };
    const entry = manifest.models.find((m) => m.id === model.id)!;
    entry.thresholds = { ...entry.thresholds, samePerson: round(pairsResult.threshold) };
    entry.grouping = { ...entry.grouping, assign: grouping.assign, merge: grouping.merge, confidence };
    writeFileSync(file, `${formatJson(manifest)}\n`);
    process.stdout.write(`written to ${file}\n`);
  }
}

/** JSON with two-space indents, arrays of numbers (and of such arrays) on one line, as the manifest is written. */
function formatJson(value: unknown): string {
  const numbers = /\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g;
  const flatArrays = /\[\s*(\[[^[\]\n]*\](?:,\s*\[[^[\]\n]*\])*)\s*\]/g;
  const oneLine = (_: string, inner: string): string => `[${inner.replace(/,\s+/g, ', ')}]`;
  return JSON.stringify(value, null, 2).replace(numbers, oneLine).replace(flatArrays, oneLine);
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
