import type { App, Session, WebContents, WebRequest } from 'electron';
import { isAppUrl } from './window-options.js';

/**
 * The Electron shell's security wiring, kept apart from main.ts so a unit test can drive it with stand-ins for
 * `app`, a web contents and the session (no Electron binary needed): sandbox every renderer, refuse navigation
 * away from the app, webviews and new windows, deny every permission and cancel every request that is not for the
 * app's own protocol.
 */

export type HardenedApp = Pick<App, 'on' | 'enableSandbox'>;
export type HardenedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;
export interface HardenedSession {
  readonly setPermissionRequestHandler: Session['setPermissionRequestHandler'];
  readonly setPermissionCheckHandler: Session['setPermissionCheckHandler'];
  readonly webRequest: Pick<WebRequest, 'onBeforeRequest'>;
}

/** Only the app's own protocol (and devtools) may load: no remote content, ever. */
export function isAllowedRequest(url: string): boolean {
  return /^(facetag|devtools):/.test(url);
}

/** Links to the web open in the user's browser, never inside the app. */
export function isExternalLink(url: string): boolean {
  return /^https:\/\//.test(url);
}

/** Refuses navigation away from the app, webviews and new windows in one web contents. */
export function guardContents(contents: HardenedContents, openExternal: (url: string) => void): void {
  const refuseForeign = (event: { preventDefault(): void }, url: string): void => {
    if (!isAppUrl(url)) event.preventDefault();
  };
  contents.on('will-navigate', (event, url) => refuseForeign(event, event.url ?? url));
  contents.on('will-frame-navigate', (event) => refuseForeign(event, event.url));
  contents.on('will-redirect', (event, url) => refuseForeign(event, event.url ?? url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) openExternal(url);
    return { action: 'deny' };
  });
}

/** Before `ready`: sandboxes every renderer and guards every web contents the app will create. */
export function hardenApp(app: HardenedApp, openExternal: (url: string) => void): void {
  app.enableSandbox();
  app.on('web-contents-created', (_event, contents) => guardContents(contents, openExternal));
}

/** After `ready`: no permission is ever granted, and nothing but the app's own protocol loads. */
export function hardenSession(session: HardenedSession): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(details.url) }));
}
