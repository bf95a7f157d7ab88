import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src-main/node/util/package-root.js';
import { measureLibrary } from './library-scan.js';
import { measurePeopleScale } from './people-scale.js';
import { measurePipelineStages } from './pipeline-stages.js';
import { sharedPhotos } from './photo-set.js';

interface Row {
  readonly figure: string;
  readonly value: string;
  readonly ratio?: string;
}

function printTable(rows: readonly Row[]): void {
  const cells = [['figure', 'value', 'ratio'], ...rows.map((r) => [r.figure, r.value, r.ratio ?? ''])];
  const widths = [0, 1, 2].map((i) => Math.max(...cells.map((c) => c[i]!.length)));
  for (const c of cells) process.stdout.write(`${c.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
}

const say = (text: string): boolean => process.stderr.write(`${text}\n`);

async function main(): Promise<void> {
  const files = sharedPhotos();
  say(`benchmark: ${files.length} photos from ../shared/photos on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'})`);
  say('pipeline stages…');
  const s = await measurePipelineStages(files);
  const perSecond = (ms: number): number => (s.photos * 1000) / ms;
  say('library scans…');
  const library = await measureLibrary();
  say('people at scale…');
  const scale = [100_000, 1_000_000].map((n) => measurePeopleScale(library.embeddings, n));

  const results = {
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version, date: new Date().toISOString() },
    photos: s.photos,
    faces: s.faces,
    decode_photos_per_s: perSecond(s.decodeMs),
    detect_photos_per_s: perSecond(s.detectMs),
    align_embed_ms_per_face: s.alignEmbedMs / Math.max(1, s.faces),
    end_to_end_photos_per_s: perSecond(s.endToEndMs),
    end_to_end_vs_stage_sum: s.endToEndMs / (s.decodeMs + s.detectMs + s.alignEmbedMs),
    cold_scan_photos_per_s: library.coldPhotosPerSecond,
    cold_scan_vs_one_thread: library.coldPhotosPerSecond / perSecond(s.endToEndMs),
    rescan_unchanged_photos: library.rescanPhotos,
    rescan_unchanged_seconds: library.rescanSeconds,
    rescan_unchanged_us_per_photo: library.rescanMicrosPerPhoto,
    people_scale: scale.map((f) => ({ faces: f.faces, suggestion_ms: f.suggestionMs, group_1000_ms: f.group1000Ms })),
  };
  printTable([
    { figure: 'decode (shrink-on-load), 1 thread', value: `${results.decode_photos_per_s.toFixed(1)} photos/s` },
    { figure: 'detect, 1 thread', value: `${results.detect_photos_per_s.toFixed(1)} photos/s` },
    { figure: 'align + embed + quality, 1 thread', value: `${results.align_embed_ms_per_face.toFixed(1)} ms/face` },
    {
      figure: 'end to end, 1 thread',
      value: `${results.end_to_end_photos_per_s.toFixed(2)} photos/s`,
      ratio: `${results.end_to_end_vs_stage_sum.toFixed(2)} x sum of stages alone`,
    },
    {
      figure: `cold scan of ${library.coldPhotos} photos, worker pool`,
      value: `${results.cold_scan_photos_per_s.toFixed(2)} photos/s`,
      ratio: `${results.cold_scan_vs_one_thread.toFixed(2)} x end to end on 1 thread`,
    },
    {
      figure: `rescan of ${library.rescanPhotos} unchanged photos`,
      value: `${library.rescanSeconds.toFixed(2)} s`,
      ratio: `${library.rescanMicrosPerPhoto.toFixed(0)} µs per photo`,
    },
    ...scale.flatMap((f) => [
      { figure: `suggestion for 1 new face, ${f.faces.toLocaleString('en')} faces`, value: `${f.suggestionMs.toFixed(1)} ms` },
      { figure: `grouping 1,000 new faces, ${f.faces.toLocaleString('en')} faces`, value: `${(f.group1000Ms / 1000).toFixed(1)} s` },
    ]),
  ]);
  const out = path.join(packageRoot(), 'bench', 'results.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  say(`written ${out}`);
}

await main();
