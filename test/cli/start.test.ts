import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, waitFor, type TempDir } from '../support/library-fixtures.js';
import { httpRequest } from '../support/http-client.js';
import { REPO_ROOT } from '../support/paths.js';

/**
 * `npm start` (bin/facetag-start.js) where Electron's binary is missing — as on these machines, where npm ci skips
 * its download: it says so, falls back to `facetag serve`, prints the URL with the session token, and that URL
 * answers. The browser opener is kept off PATH so the test opens nothing.
 */

function electronInstalled(): boolean {
  try {
    const binary = createRequire(path.join(REPO_ROOT, 'bin', 'facetag-start.js'))('electron') as unknown;
    return typeof binary === 'string' && existsSync(binary);
  } catch {
    return false;
  }
}

let temp: TempDir;
let child: ChildProcessByStdio<null, Readable, Readable> | undefined;
let stdout = '';
let stderr = '';
let exited: Promise<number | null>;

beforeAll(async () => {
  temp = await makeTempDir('start');
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    // Its own process group (it and the server it started): nothing else is touched.
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await temp?.cleanup();
});

describe.skipIf(electronInstalled())('npm start without Electron', () => {
  it('says Electron is missing, serves instead, prints a working URL, and stops on SIGTERM', async () => {
    child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'facetag-start.js'), '--db', path.join(temp.dir, 'library.db'), '--port', '0'], {
      cwd: temp.dir,
      // Only node's own folder on PATH: no xdg-open, so no browser is opened here.
      env: { ...process.env, PATH: path.dirname(process.execPath), HOME: temp.dir, DISPLAY: '', BROWSER: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    exited = new Promise((resolve) => child!.on('exit', (code) => resolve(code)));

    const url = await waitFor(() => /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)/.exec(stdout) ?? undefined, 30_000, `the URL (stdout: ${stdout}; stderr: ${stderr})`);
    expect(stderr).toMatch(/Electron's binary is not installed/);
    expect(stderr).toMatch(/facetag serve/);
    expect(stdout).toMatch(/^Facetag is running at http:\/\/127\.0\.0\.1:\d+\/\?token=/m);
    const port = Number(url[1]);
    expect(port).toBeGreaterThan(0);
    expect(url[2]!.length).toBeGreaterThanOrEqual(24);

    const reply = await httpRequest(port, `/?token=${url[2]}`);
    expect(reply.status).toBe(303);
    expect(reply.headers['set-cookie']?.[0]).toMatch(/HttpOnly/);
    // Without the token, nothing.
    expect((await httpRequest(port, '/')).status).toBe(401);
    const api = await httpRequest(port, '/api/library.status', {
      method: 'POST',
      body: '{}',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${url[2]}` },
    });
    expect(api.status).toBe(200);
    expect(JSON.parse(api.text).result.database).toBe(path.join(temp.dir, 'library.db'));

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(httpRequest(port, '/')).rejects.toThrow(/ECONNREFUSED/);
  });
});
