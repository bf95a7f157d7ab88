import os from 'node:os';
import path from 'node:path';

/** The product name Electron derives its per-user folder from (package.json "productName"). */
export const PRODUCT_NAME = 'Facetag';

/** The per-user application data folder, the same as Electron's `app.getPath('userData')`. */
export function userDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir();
  switch (platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', PRODUCT_NAME);
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), PRODUCT_NAME);
  }
}

/** The library database: `--db FILE`, else FACETAG_DB, else library.db in the user data folder. */
export function libraryDatabasePath(explicit?: string): string {
  return path.resolve(explicit ?? process.env.FACETAG_DB ?? path.join(userDataDir(), 'library.db'));
}
