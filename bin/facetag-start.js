#!/usr/bin/env node
// `npm start`: the desktop app in Electron; where Electron's binary is missing, the same app served on
// 127.0.0.1 and opened in the browser.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const binary = require('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

function openInBrowser(url) {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`(could not open a browser: open ${url} yourself)\n`));
  child.unref();
}

const electron = electronBinary();
if (electron) {
  const child = spawn(electron, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  process.stderr.write(
    "Electron's binary is not installed here (its download is skipped by npm ci; `node node_modules/electron/install.js` fetches it).\n" +
      'Starting Facetag in your browser instead: `facetag serve`.\n',
  );
  const server = spawn(process.execPath, [fileURLToPath(new URL('./facetag.js', import.meta.url)), 'serve', ...process.argv.slice(2)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  server.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    const url = /https?:\/\/127\.0\.0\.1:\d+\/\S*/.exec(String(chunk))?.[0];
    if (url) openInBrowser(url);
  });
  const stop = () => server.kill('SIGINT');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.on('exit', (code) => process.exit(code ?? 0));
}
