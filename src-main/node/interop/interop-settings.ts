import type { LibraryDatabase } from '../store/database.js';
import { SIDECAR_STYLES, type SidecarStyle } from './xmp-files.js';

/** The settings of XMP interoperability, in the library's settings table. */
export interface InteropSettings {
  /** Write the affected photos' XMP sidecars after each confirm, move, name... (default off). */
  readonly writeSidecars: boolean;
  /** Which sidecar name to write: photo.jpg.xmp (digiKam, darktable) or photo.xmp (Lightroom). */
  readonly sidecarStyle: SidecarStyle;
}

export const WRITE_SIDECARS_SETTING = 'interop.writeSidecars';
export const SIDECAR_STYLE_SETTING = 'interop.sidecarStyle';

export const DEFAULT_INTEROP_SETTINGS: InteropSettings = { writeSidecars: false, sidecarStyle: 'digikam' };

function get(db: LibraryDatabase, key: string): string | undefined {
  return db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(key) as string | undefined;
}

function set(db: LibraryDatabase, key: string, value: string): void {
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}

export function isSidecarStyle(value: unknown): value is SidecarStyle {
  return typeof value === 'string' && (SIDECAR_STYLES as readonly string[]).includes(value);
}

export function readInteropSettings(db: LibraryDatabase): InteropSettings {
  const write = get(db, WRITE_SIDECARS_SETTING);
  const style = get(db, SIDECAR_STYLE_SETTING);
  return {
    writeSidecars: write === undefined ? DEFAULT_INTEROP_SETTINGS.writeSidecars : write === 'true' || write === '1',
    sidecarStyle: isSidecarStyle(style) ? style : DEFAULT_INTEROP_SETTINGS.sidecarStyle,
  };
}

export function writeInteropSettings(db: LibraryDatabase, change: Partial<InteropSettings>): InteropSettings {
  if (change.sidecarStyle !== undefined && !isSidecarStyle(change.sidecarStyle)) {
    throw new RangeError(`the sidecar style must be ${SIDECAR_STYLES.join(' or ')}, not ${String(change.sidecarStyle)}`);
  }
  db.transaction(() => {
    if (change.writeSidecars !== undefined) set(db, WRITE_SIDECARS_SETTING, change.writeSidecars ? 'true' : 'false');
    if (change.sidecarStyle !== undefined) set(db, SIDECAR_STYLE_SETTING, change.sidecarStyle);
  })();
  return readInteropSettings(db);
}
