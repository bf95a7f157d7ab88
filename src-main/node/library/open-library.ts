import type { LibraryStatus } from '../../common/library.js';
import { libraryDatabasePath } from '../util/app-paths.js';
import { openLibraryDatabase, type LibraryDatabase } from '../store/database.js';
import { LibraryRepository } from '../store/library.repository.js';

export interface Library {
  readonly file: string;
  readonly db: LibraryDatabase;
  readonly repo: LibraryRepository;
  close(): void;
}

/** Opens the library database: `file`, else FACETAG_DB, else the per-user default. */
export function openLibrary(file?: string): Library {
  const resolved = libraryDatabasePath(file);
  const db = openLibraryDatabase(resolved);
  return { file: resolved, db, repo: new LibraryRepository(db), close: () => db.close() };
}

export function libraryStatus(library: Library): LibraryStatus {
  const { db, repo } = library;
  const folders = repo.listFolders().map((folder) => ({
    ...folder,
    photos: db.prepare('SELECT count(*) FROM photos WHERE folder_id = ?').pluck().get(folder.id) as number,
  }));
  const errors = repo.photoErrors();
  return {
    database: library.file,
    folders,
    photos: db.prepare('SELECT count(*) FROM photos').pluck().get() as number,
    faces: db.prepare('SELECT count(*) FROM faces').pluck().get() as number,
    photosWithErrors: errors.length,
    lastScan: repo.lastScan(),
    errors,
  };
}
