import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell } from 'electron';
import type { ApiEventName } from '../common/api/contract.js';
import { appResource } from '../node/api/app-resources.js';
import { dispatch } from '../node/api/dispatch.js';
import { FacetagCore } from '../node/api/facetag-core.js';
import { MediaStore } from '../node/api/media.js';
import { packageRoot } from '../node/util/package-root.js';
import { hardenApp, hardenSession } from './harden.js';
import { APP_ENTRY, isAppUrl, mainWindowOptions } from './window-options.js';

/**
 * Door 1, the Electron shell: one window, a sandboxed renderer that loads the built UI from facetag://app and
 * reaches the core only through the preload's typed API. No remote content, no navigation, no new windows.
 */

protocol.registerSchemesAsPrivileged([{ scheme: 'facetag', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const here = path.dirname(fileURLToPath(import.meta.url));
const EVENTS: ApiEventName[] = ['scan.progress', 'scan.finished', 'library.changed'];

hardenApp(app, (url) => void shell.openExternal(url));

await app.whenReady();

// Packaged, the weights sit beside the app (electron-builder's extraResources), outside the archive.
if (app.isPackaged) process.env.FACETAG_MODELS_DIR ??= path.join(process.resourcesPath, 'models');
hardenSession(session.defaultSession);

const core = new FacetagCore(path.join(app.getPath('userData'), 'library.db'));
const media = new MediaStore(core.library);
const uiDir = path.join(packageRoot(), 'dist-renderer');

protocol.handle('facetag', async (request) => {
  const url = new URL(request.url);
  if (url.host !== 'app') return new Response('Not found', { status: 404 });
  const resource = await appResource(media, uiDir, url.pathname, url.searchParams);
  const body = typeof resource.body === 'string' ? resource.body : new Uint8Array(resource.body);
  return new Response(body, { status: resource.status, headers: { 'Content-Type': resource.type, ...resource.headers } });
});

ipcMain.handle('facetag:call', async (event, method: unknown, request: unknown) => {
  if (!isAppUrl(event.senderFrame?.url ?? '')) return { ok: false, error: { code: 'unauthorized', message: 'Not the app.' } };
  return dispatch(core, String(method), request);
});

ipcMain.handle('facetag:pickFolder', async (event) => {
  if (!isAppUrl(event.senderFrame?.url ?? '')) return null;
  const window = BrowserWindow.fromWebContents(event.sender);
  const options = { title: 'Add a folder of photos', properties: ['openDirectory' as const] };
  const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
});

const window = new BrowserWindow(mainWindowOptions(path.join(here, '..', 'preload', 'preload.cjs')));
for (const name of EVENTS) {
  // A scan may still report after the window is gone (quitting): never let that throw into the core.
  core.on(name, (payload) => {
    if (!window.isDestroyed()) window.webContents.send('facetag:event', name, payload);
  });
}
window.once('ready-to-show', () => window.show());
app.on('window-all-closed', () => app.quit());
app.on('before-quit', () => {
  void core.close();
});
await window.loadURL(APP_ENTRY);
