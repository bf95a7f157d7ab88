import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_PHOTOS } from '../support/paths.js';
import { runCli } from '../support/run-cli.js';

interface JsonFace {
  box: number[];
  score: number;
  landmarks: number[][];
  quality: number;
}
interface JsonLine {
  file: string;
  width: number;
  height: number;
  faces: JsonFace[];
  error: string | null;
}

const parseLines = (stdout: string): JsonLine[] =>
  stdout.trim().split('\n').map((line) => JSON.parse(line) as JsonLine);

describe('facetag detect', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'facetag-detect-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('writes the annotated group photo with six faces (the issue\'s "done when" command)', async () => {
    const photo = path.join(SHARED_PHOTOS, 'groups', 'insightface_t1.jpg');
    const result = await runCli(['detect', '--input', photo, '--json'], { cwd: work });
    expect(result.code).toBe(0);
    const [line] = parseLines(result.stdout);
    expect(line!.faces).toHaveLength(6);
    expect(await readdir(path.join(work, 'face_results'))).toEqual(['insightface_t1.jpg']);
    const annotated = await sharp(path.join(work, 'face_results', 'insightface_t1.jpg')).metadata();
    expect([annotated.width, annotated.height]).toEqual([1280, 886]);
  });

  it('prints exactly one JSON object per photo with the contract\'s fields, and goes on past bad files', async () => {
    const cwd = await mkdtemp(path.join(work, 'no-draw-'));
    const empty = path.join(work, 'empty.jpg');
    const text = path.join(work, 'notes.jpg');
    await writeFile(empty, '');
    await writeFile(text, 'this is not a photo\n');
    const good = path.join(SHARED_PHOTOS, 'detection', 'images', 'dlib_2008_002506.jpg');
    const result = await runCli(['detect', '--json', '--no-draw', empty, good, text, path.join(work, 'gone.jpg')], { cwd });
    expect(result.code).toBe(1);
    const lines = parseLines(result.stdout);
    expect(lines.map((l) => l.file)).toEqual([empty, good, text, path.join(work, 'gone.jpg')]);
    for (const line of lines) expect(Object.keys(line)).toEqual(['file', 'width', 'height', 'faces', 'error']);
    const [emptyLine, goodLine, textLine, goneLine] = lines;
    expect(emptyLine!.error).toMatch(/empty/i);
    expect(textLine!.error).toMatch(/not image data/i);
    expect(goneLine!.error).toMatch(/not found|does not exist|no such/i);
    for (const bad of [emptyLine!, textLine!, goneLine!]) expect(bad.faces).toEqual([]);
    expect(goodLine!.error).toBeNull();
    expect([goodLine!.width, goodLine!.height]).toEqual([500, 375]);
    expect(goodLine!.faces.length).toBeGreaterThan(0);
    for (const face of goodLine!.faces) {
      expect(Object.keys(face)).toEqual(['box', 'score', 'landmarks', 'quality']);
      expect(face.box).toHaveLength(4);
      expect(face.landmarks).toHaveLength(5);
      expect(face.score).toBeGreaterThanOrEqual(0.5);
      expect(face.quality).toBeGreaterThanOrEqual(0);
      expect(face.quality).toBeLessThanOrEqual(1);
    }
    expect(await readdir(cwd)).toEqual([]);
  });

  it('walks folders and runs YuNet with --detector yunet', async () => {
    const folder = path.join(SHARED_PHOTOS, 'detection');
    const result = await runCli(['detect', folder, '--json', '--no-draw', '--detector', 'yunet'], { cwd: work });
    expect(result.code).toBe(0);
    const lines = parseLines(result.stdout);
    expect(lines).toHaveLength(9);
    expect(lines.reduce((n, l) => n + l.faces.length, 0)).toBeGreaterThanOrEqual(40);
  });

  it.each([
    [['detect'], /at least one photo/],
    [['detect', 'x.jpg', '--detector', 'mtcnn'], /--detector must be/],
    [['detect', 'x.jpg', '--threshold', '3'], /--threshold must be/],
    [['detect', 'x.jpg', '--frobnicate'], /unknown option/],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const result = await runCli(args, { cwd: work });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});
