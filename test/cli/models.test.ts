import { createReadStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_MODELS } from '../support/paths.js';
import { runCli } from '../support/run-cli.js';

interface ModelRow {
  id: string;
  state: string;
  problem?: string;
}

async function listModels(dir: string): Promise<{ code: number | null; rows: ModelRow[] }> {
  const result = await runCli(['models', '--json'], { env: { FACETAG_MODELS_DIR: dir } });
  return { code: result.code, rows: (JSON.parse(result.stdout) as { models: ModelRow[] }).models };
}

describe('facetag models', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'facetag-models-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('lists every model as missing in an empty folder and says how to install them', async () => {
    const dir = path.join(work, 'empty');
    const result = await runCli(['models'], { env: { FACETAG_MODELS_DIR: dir } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/missing\s+detector\s+retinaface_mnet025/);
    expect(result.stdout).toMatch(/missing\s+recognizer\s+dlib_resnet128/);
    expect(result.stdout).toContain('facetag models install --from');
  });

  it('installs from a folder, verified by sha256', async () => {
    const dir = path.join(work, 'from-folder');
    const install = await runCli(['models', 'install', '--from', SHARED_MODELS], { env: { FACETAG_MODELS_DIR: dir } });
    expect(install.code).toBe(0);
    const { code, rows } = await listModels(dir);
    expect(code).toBe(0);
    expect(rows.map((r) => r.state)).toEqual(rows.map(() => 'installed'));
  });

  it('refuses a file whose sha256 does not match, and reports a damaged installed file as corrupt', async () => {
    const source = path.join(work, 'bad-source');
    const dir = path.join(work, 'bad');
    await runCli(['models', 'install', '--from', SHARED_MODELS], { env: { FACETAG_MODELS_DIR: dir } });
    await mkdir(source, { recursive: true });
    // Same size, different bytes: only the hash can tell.
    const bytes = readFileSync(path.join(SHARED_MODELS, 'yunet_n.onnx'));
    bytes[1000] = bytes[1000]! ^ 0xff;
    await writeFile(path.join(source, 'yunet_n.onnx'), bytes);
    await writeFile(path.join(dir, 'yunet_n.onnx'), bytes);

    const listed = await listModels(dir);
    expect(listed.code).toBe(1);
    const yunet = listed.rows.find((r) => r.id === 'yunet_n');
    expect(yunet?.state).toBe('corrupt');
    expect(yunet?.problem).toMatch(/sha256/);

    await rm(path.join(dir, 'yunet_n.onnx'));
    const refused = await runCli(['models', 'install', 'yunet_n', '--from', source], { env: { FACETAG_MODELS_DIR: dir } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refusing yunet_n\.onnx .*sha256/);
    expect(await readdir(dir)).not.toContain('yunet_n.onnx');
  });

  it('installs from a URL', async () => {
    const server = http.createServer((req, res) => {
      const name = path.basename(decodeURIComponent(req.url ?? ''));
      const file = path.join(SHARED_MODELS, name);
      createReadStream(file)
        .on('error', () => {
          res.statusCode = 404;
          res.end();
        })
        .pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const dir = path.join(work, 'from-url');
      const install = await runCli(['models', 'install', 'yunet_n', '--from', `http://127.0.0.1:${port}/weights/`], {
        env: { FACETAG_MODELS_DIR: dir },
      });
      expect(install.code).toBe(0);
      expect(install.stdout).toContain('installed: yunet_n');
      const { rows } = await listModels(dir);
      expect(rows.find((r) => r.id === 'yunet_n')?.state).toBe('installed');
    } finally {
      server.close();
    }
  });

  it('a command that needs a missing model says exactly what is missing and how to install it', async () => {
    const dir = path.join(work, 'nothing');
    const result = await runCli(['detect', '--json', '--no-draw', path.join(SHARED_MODELS, 'README.md')], {
      env: { FACETAG_MODELS_DIR: dir },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/model "retinaface_mnet025" is missing/);
    expect(result.stderr).toContain('facetag models install --from');
  });
});
