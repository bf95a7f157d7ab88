import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src-main/node/util/package-root.js';
import { measurePipelineStages } from './pipeline-stages.js';
import { sharedPhotos } from './photo-set.js';

interface Row {
  readonly figure: string;
  readonly value: string;
  readonly ratio?: string;
}

function printTable(rows: readonly Row[]): void {
  const widths = [0, 0, 0];
  const cells = rows.map((r) => [r.figure, r.value, r.ratio ?? '']);
  for (const c of cells) c.forEach((v, i) => (widths[i] = Math.max(widths[i]!, v.length)));
  for (const c of cells) process.stdout.write(`${c.map((v, i) => v.padEnd(widths[i]!)).join('  ')}\n`);
}

async function main(): Promise<void> {
  const files = sharedPhotos();
  process.stderr.write(`benchmark: ${files.length} photos from ../shared/photos on ${os.cpus().length} cores\n`);
  const s = await measurePipelineStages(files);
  const perSecond = (ms: number): number => (s.photos * 1000) / ms;
  const stageSum = s.decodeMs + s.detectMs + s.alignEmbedMs;
  const results = {
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    photos: s.photos,
    faces: s.faces,
    decode_photos_per_s: perSecond(s.decodeMs),
    detect_photos_per_s: perSecond(s.detectMs),
    align_embed_ms_per_face: s.alignEmbedMs / Math.max(1, s.faces),
    end_to_end_photos_per_s: perSecond(s.endToEndMs),
    end_to_end_vs_stage_sum: s.endToEndMs / stageSum,
  };
  printTable([
    { figure: 'figure', value: 'value', ratio: 'ratio' },
    { figure: 'decode (shrink-on-load)', value: `${results.decode_photos_per_s.toFixed(1)} photos/s` },
    { figure: 'detect', value: `${results.detect_photos_per_s.toFixed(1)} photos/s` },
    { figure: 'align + embed + quality', value: `${results.align_embed_ms_per_face.toFixed(1)} ms/face` },
    {
      figure: 'end to end (one thread)',
      value: `${results.end_to_end_photos_per_s.toFixed(1)} photos/s`,
      ratio: `${results.end_to_end_vs_stage_sum.toFixed(2)} x sum of stages`,
    },
  ]);
  const out = path.join(packageRoot(), 'bench', 'results.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stderr.write(`written ${out}\n`);
}

await main();
