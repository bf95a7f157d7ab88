import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * The main window's options: a sandboxed renderer with context isolation and no Node, that sees only what the
 * preload exposes (the typed API). Kept apart from main.ts so a unit test can assert them without Electron.
 */
export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    title: 'Facetag',
    show: false,
    backgroundColor: '#f6f7f9',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
    },
  };
}

/** The app's own origin: everything the window loads comes from here (the facetag:// protocol). */
export const APP_ORIGIN = 'facetag://app';
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** Only the app's own pages may call the API or be navigated to. */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'facetag:' && parsed.host === 'app';
  } catch {
    return false;
  }
}
