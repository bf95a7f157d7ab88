import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  guardContents,
  hardenApp,
  hardenSession,
  isAllowedRequest,
  type HardenedApp,
  type HardenedContents,
  type HardenedSession,
} from '../../src-main/electron-main/harden.js';
import { APP_ENTRY, isAppUrl, mainWindowOptions } from '../../src-main/electron-main/window-options.js';
import { REPO_ROOT } from '../support/paths.js';

/**
 * Door 1's security, without Electron's binary: the main window's options, and the wiring main.ts applies to `app`,
 * every web contents and the session, driven through small EventEmitter-based stand-ins for those objects.
 */

describe('mainWindowOptions', () => {
  const options = mainWindowOptions('/opt/facetag/dist/src-main/preload/preload.cjs');
  const web = options.webPreferences!;

  it('isolates and sandboxes the renderer, with no Node anywhere', () => {
    expect(web.contextIsolation).toBe(true);
    expect(web.sandbox).toBe(true);
    expect(web.nodeIntegration).toBe(false);
    expect(web.nodeIntegrationInWorker).toBe(false);
    expect(web.nodeIntegrationInSubFrames).toBe(false);
  });

  it('keeps web security on: no insecure content, no webview, no navigation by drag and drop', () => {
    expect(web.webSecurity).toBe(true);
    expect(web.allowRunningInsecureContent).toBe(false);
    expect(web.webviewTag).toBe(false);
    expect(web.navigateOnDragDrop).toBe(false);
    // Nothing that would loosen the above is set.
    expect(web).not.toHaveProperty('experimentalFeatures');
    expect(web).not.toHaveProperty('enableBlinkFeatures');
  });

  it('passes the preload path through, and shows the window only when ready', () => {
    expect(web.preload).toBe('/opt/facetag/dist/src-main/preload/preload.cjs');
    expect(mainWindowOptions('/elsewhere/preload.cjs').webPreferences!.preload).toBe('/elsewhere/preload.cjs');
    expect(options.show).toBe(false);
  });
});

describe('isAppUrl', () => {
  it('accepts the app origin only', () => {
    expect(isAppUrl(APP_ENTRY)).toBe(true);
    expect(isAppUrl('facetag://app/')).toBe(true);
    expect(isAppUrl('facetag://app/people/3?x=1#top')).toBe(true);
  });

  it.each([
    'facetag://other/index.html',
    'facetag://app.evil.com/index.html',
    'facetag://apps/index.html',
    'file:///etc/passwd',
    'http://127.0.0.1:8080/',
    'https://app/',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'about:blank',
    '',
    'not a url',
  ])('refuses %s', (url) => {
    expect(isAppUrl(url)).toBe(false);
  });
});

// ---- stand-ins ---------------------------------------------------------------------------------------------------

/** An Electron-like event: records whether a listener called preventDefault(). */
class StandInEvent {
  defaultPrevented = false;

  constructor(readonly url = '') {}

  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

/** A web contents: an EventEmitter plus the window-open handler slot. */
class StandInContents extends EventEmitter {
  windowOpenHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | undefined;

  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }): void {
    this.windowOpenHandler = handler;
  }

  /** Emits a navigation event the way Electron does (details event first, then the deprecated url argument). */
  navigate(event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect', url: string): boolean {
    const e = new StandInEvent(url);
    this.emit(event, e, url, false, true);
    return e.defaultPrevented;
  }
}

class StandInApp extends EventEmitter {
  sandboxed = false;

  enableSandbox(): void {
    this.sandboxed = true;
  }
}

type RequestHandler = (contents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void;
type CheckHandler = (contents: unknown, permission: string, origin: string, details: unknown) => boolean;
type BeforeRequest = (details: { url: string }, callback: (response: { cancel?: boolean }) => void) => void;

class StandInSession {
  requestHandler: RequestHandler | undefined;
  checkHandler: CheckHandler | undefined;
  beforeRequest: BeforeRequest | undefined;
  readonly webRequest = {
    onBeforeRequest: (listener: BeforeRequest): void => {
      this.beforeRequest = listener;
    },
  };

  setPermissionRequestHandler(handler: RequestHandler): void {
    this.requestHandler = handler;
  }

  setPermissionCheckHandler(handler: CheckHandler): void {
    this.checkHandler = handler;
  }

  /** What the session decides for a permission request (the handler must answer, synchronously here). */
  request(permission: string): boolean | undefined {
    let granted: boolean | undefined;
    this.requestHandler!({}, permission, (g) => (granted = g), {});
    return granted;
  }

  /** Whether a request for `url` would be cancelled. */
  cancels(url: string): boolean | undefined {
    let response: { cancel?: boolean } | undefined;
    this.beforeRequest!({ url }, (r) => (response = r));
    return response?.cancel;
  }
}

function hardenedContents(): { contents: StandInContents; opened: string[] } {
  const app = new StandInApp();
  const opened: string[] = [];
  hardenApp(app as unknown as HardenedApp, (url) => opened.push(url));
  expect(app.sandboxed).toBe(true);
  // Every web contents the app creates (the window, devtools, anything) gets the guards.
  const contents = new StandInContents();
  app.emit('web-contents-created', new StandInEvent(), contents);
  return { contents, opened };
}

describe('hardenApp', () => {
  it('sandboxes all renderers and listens for every new web contents', () => {
    const app = new StandInApp();
    hardenApp(app as unknown as HardenedApp, () => undefined);
    expect(app.sandboxed).toBe(true);
    expect(app.listenerCount('web-contents-created')).toBe(1);
  });

  it('refuses navigation away from the app (main frame, sub-frames and redirects)', () => {
    const { contents } = hardenedContents();
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect'] as const) {
      expect(contents.listenerCount(event)).toBe(1);
      expect(contents.navigate(event, 'https://example.com/'), `${event} to the web`).toBe(true);
      expect(contents.navigate(event, 'http://127.0.0.1:1234/'), `${event} to a local server`).toBe(true);
      expect(contents.navigate(event, 'file:///etc/passwd'), `${event} to a file`).toBe(true);
      expect(contents.navigate(event, 'facetag://other/index.html'), `${event} to another facetag host`).toBe(true);
      expect(contents.navigate(event, 'javascript:alert(1)'), `${event} to javascript:`).toBe(true);
      expect(contents.navigate(event, 'facetag://app/index.html'), `${event} inside the app`).toBe(false);
    }
  });

  it('refuses webviews', () => {
    const { contents } = hardenedContents();
    const event = new StandInEvent();
    contents.emit('will-attach-webview', event, {}, {});
    expect(event.defaultPrevented).toBe(true);
  });

  it('denies every new window; https links go to the user browser, nothing else does', () => {
    const { contents, opened } = hardenedContents();
    const open = contents.windowOpenHandler!;
    expect(open).toBeTypeOf('function');
    for (const url of ['https://example.com/help', 'http://example.com/', 'facetag://app/index.html', 'file:///etc/passwd', 'javascript:alert(1)']) {
      expect(open({ url }), url).toEqual({ action: 'deny' });
    }
    expect(opened).toEqual(['https://example.com/help']);
  });

  it('guards a web contents directly too', () => {
    const contents = new StandInContents();
    guardContents(contents as unknown as HardenedContents, () => undefined);
    expect(contents.navigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });
});

describe('hardenSession', () => {
  const session = new StandInSession();
  hardenSession(session as unknown as HardenedSession);

  it.each(['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen', 'unknown'])('denies the %s permission', (permission) => {
    expect(session.request(permission)).toBe(false);
    expect(session.checkHandler!({}, permission, 'facetag://app', {})).toBe(false);
  });

  it('cancels every request that is not for the app', () => {
    for (const url of ['https://example.com/x.js', 'http://127.0.0.1:8080/api/x', 'file:///etc/passwd', 'ws://127.0.0.1/', 'ftp://example.com/']) {
      expect(session.cancels(url), url).toBe(true);
    }
    for (const url of ['facetag://app/index.html', 'facetag://app/media/photo/1', 'devtools://devtools/bundled/inspector.html']) {
      expect(session.cancels(url), url).toBe(false);
    }
    expect(isAllowedRequest('https://facetag://app')).toBe(false);
  });
});

describe('main.ts', () => {
  // main.ts needs Electron to run; this only checks that it keeps using the wiring tested above, in the right order.
  const source = readFileSync(path.join(REPO_ROOT, 'src-main', 'electron-main', 'main.ts'), 'utf8');

  it('hardens the app before it is ready, and the session before any window exists', () => {
    const hardenedApp = source.indexOf('hardenApp(app');
    const ready = source.indexOf('await app.whenReady()');
    const hardenedSession = source.indexOf('hardenSession(session.defaultSession)');
    const window = source.indexOf('new BrowserWindow(');
    expect(hardenedApp).toBeGreaterThan(0);
    expect(hardenedApp).toBeLessThan(ready);
    expect(hardenedSession).toBeGreaterThan(ready);
    expect(hardenedSession).toBeLessThan(window);
    expect(source).toContain('new BrowserWindow(mainWindowOptions(');
    // No second, looser set of handlers next to the tested ones.
    expect(source).not.toMatch(/setPermissionRequestHandler|setPermissionCheckHandler|setWindowOpenHandler|onBeforeRequest/);
  });
});
