import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ApiEvents, ApiEventName, ApiMethod, ApiRequest, ApiResponse, PhotoDetails, PhotoFace, PhotoSummary, ScanState } from '../../common/api/contract.js';
import { ApiError } from '../../common/api/contract.js';
import type { Box } from '../../common/geometry.js';
import type { CaptureSource, ScanProgress, ScanSummary } from '../../common/library.js';
import type { AssignmentStatus } from '../../common/people.js';
import { LibraryScanner } from '../library/library-scanner.js';
import { libraryStatus, openLibrary, type Library } from '../library/open-library.js';
import { importNamesAfterScan } from '../interop/xmp-import.js';
import { PeopleError, PeopleService } from '../people/people.service.js';
import { blobToLandmarks } from '../store/embedding-blob.js';
import { SettingsStore } from './settings.store.js';

type Handlers = { [M in ApiMethod]: (request: ApiRequest<M>) => Promise<ApiResponse<M>> | ApiResponse<M> };

interface PhotoRow {
  id: number;
  path: string;
  width: number | null;
  height: number | null;
  captured_at: string | null;
  capture_source: CaptureSource | null;
  faces: number;
  error: string | null;
}

const PHOTO_SUMMARY_SQL = `SELECT p.id, p.path, p.width, p.height, p.captured_at, p.capture_source, p.error,
  (SELECT count(*) FROM faces f WHERE f.photo_id = p.id) AS faces FROM photos p`;

/** Faces a person page gets unless it asks for another page (people.get's facesOffset, facesLimit). */
export const PERSON_PAGE_FACES = 1000;

const toPhotoSummary = (r: PhotoRow): PhotoSummary => ({
  id: r.id,
  path: r.path,
  width: r.width,
  height: r.height,
  capturedAt: r.captured_at,
  captureSource: r.capture_source,
  faceCount: r.faces,
});

/**
 * The core behind every door: one library, its scanner and its people, answering the API contract's methods and
 * pushing its events. Doors (Electron IPC, loopback HTTP) only carry requests here and answers back.
 */
export class FacetagCore {
  readonly library: Library;
  readonly people: PeopleService;
  readonly settings: SettingsStore;
  private readonly events = new EventEmitter();
  private scanner: LibraryScanner | undefined;
  private scanRun: Promise<void> | undefined;
  private progress: ScanProgress | null = null;
  private lastSummary: ScanSummary | null = null;

  constructor(databaseFile?: string) {
    this.library = openLibrary(databaseFile);
    // 64 MiB of page cache (SQLite's default is 2 MiB): the people pages of a big library read tens of MiB of index.
    this.library.db.pragma('cache_size = -65536');
    this.settings = new SettingsStore(this.library.db);
    this.people = new PeopleService(this.library.db, { recognizer: this.settings.get().recognizer });
  }

  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  private emit<E extends ApiEventName>(event: E, payload: ApiEvents[E]): void {
    this.events.emit(event, payload);
  }

  private scanState(): ScanState {
    return { running: this.scanRun !== undefined, progress: this.progress, lastSummary: this.lastSummary };
  }

  /** Starts a scan of the given folders (default: all) in the background; one at a time. */
  private startScan(folderIds?: readonly number[]): ScanState {
    if (this.scanRun) return this.scanState();
    const folders = this.library.repo.listFolders().filter((f) => !folderIds || folderIds.includes(f.id));
    if (folders.length === 0) throw new ApiError('bad-request', 'Add a folder of photos first.');
    const settings = this.settings.get();
    const scanner = new LibraryScanner(this.library.repo, {
      workers: settings.workers,
      pipeline: {
        detector: settings.detector,
        recognizer: settings.recognizer,
        session: { executionProviders: [settings.executionProvider] },
      },
      onProgress: (progress) => {
        this.progress = progress;
        this.emit('scan.progress', progress);
      },
    });
    this.scanner = scanner;
    const run = async (): Promise<void> => {
      let finished: ApiEvents['scan.finished'];
      try {
        const summary = await scanner.scan(folders.map((f) => f.path));
        this.lastSummary = summary;
        await importNamesAfterScan(this.people);
        try {
          this.people.groupNewFaces();
          finished = { summary, error: null };
        } catch (error) {
          finished = { summary, error: `The photos were scanned, but grouping their faces failed: ${(error as Error).message}` };
        }
      } catch (error) {
        finished = { summary: null, error: (error as Error).message };
      }
      await scanner.close().catch(() => undefined);
      // The scan is over before anyone hears so: a listener that asks for the state sees it stopped.
      this.scanner = undefined;
      this.scanRun = undefined;
      this.emit('scan.finished', finished);
      this.emit('library.changed', { reason: 'scan' });
    };
    this.scanRun = run().catch((error: unknown) => {
      // Only a throwing event listener gets here; the scan itself is over and its outcome stored.
      process.stderr.write(`facetag: after the scan: ${(error as Error).stack ?? String(error)}\n`);
    });
    return this.scanState();
  }

  /** Waits for the scan in progress, if any (tests, shutdown). */
  async scanFinished(): Promise<void> {
    await this.scanRun;
  }

  private photoDetails(photoId: number): PhotoDetails {
    const row = this.library.db
      .prepare(
        `${PHOTO_SUMMARY_SQL} WHERE p.id = ?`,
      )
      .get(photoId) as PhotoRow | undefined;
    if (!row) throw new ApiError('not-found', `There is no photo ${photoId}.`);
    const faces = (
      this.library.db
        .prepare(
          `SELECT f.id, f.x1, f.y1, f.x2, f.y2, f.landmarks, f.score, f.quality, f.origin,
                  a.person_id, pe.name, a.status, a.confidence
           FROM faces f LEFT JOIN face_assignments a ON a.face_id = f.id LEFT JOIN people pe ON pe.id = a.person_id
           WHERE f.photo_id = ? AND f.id NOT IN (SELECT face_id FROM not_faces) ORDER BY f.x1`,
        )
        .all(photoId) as {
        id: number;
        x1: number;
        y1: number;
        x2: number;
        y2: number;
        landmarks: Buffer;
        score: number;
        quality: number;
        origin: 'detected' | 'manual';
        person_id: number | null;
        name: string | null;
        status: AssignmentStatus | null;
        confidence: number | null;
      }[]
    ).map((f): PhotoFace => {
      return {
        id: f.id,
        box: [f.x1, f.y1, f.x2, f.y2] as Box,
        landmarks: blobToLandmarks(f.landmarks),
        score: f.score,
        quality: f.quality,
        origin: f.origin,
        personId: f.person_id,
        personName: f.name,
        status: f.status,
        confidence: f.confidence,
      };
    });
    return { ...toPhotoSummary(row), faces, error: row.error };
  }

  private findPhoto(file: string): PhotoSummary {
    const row = this.library.db
      .prepare(
        `${PHOTO_SUMMARY_SQL} WHERE p.path = ?`,
      )
      .get(file) as PhotoRow | undefined;
    if (!row) throw new ApiError('not-found', `${path.basename(file)} is not in the library (any more).`);
    return toPhotoSummary(row);
  }

  private listPhotos(offset: number, limit: number, personId?: number): { total: number; photos: PhotoSummary[] } {
    if (personId !== undefined) return this.listPhotosOf(personId, offset, limit);
    const db = this.library.db;
    const total = db.prepare('SELECT count(*) FROM photos').pluck().get() as number;
    const rows = db
      .prepare(`${PHOTO_SUMMARY_SQL} ORDER BY p.captured_at IS NULL, p.captured_at, p.path LIMIT ? OFFSET ?`)
      .all(limit, offset) as PhotoRow[];
    return { total, photos: rows.map(toPhotoSummary) };
  }

  /**
   * A person's photos in capture order (undated last). The assignments' index in capture order gives the page's
   * photos without reading the person's other faces; the total is the people cache's photo count.
   */
  private listPhotosOf(personId: number, offset: number, limit: number): { total: number; photos: PhotoSummary[] } {
    if (!this.people.repo.person(personId)) return { total: 0, photos: [] };
    const rows = this.library.db
      .prepare(
        `${PHOTO_SUMMARY_SQL}
         JOIN (SELECT DISTINCT f.photo_id, a.photo_captured_at IS NULL AS undated, a.photo_captured_at AS at, p.path
               FROM face_assignments a INDEXED BY face_assignments_in_capture_order
               JOIN faces f INDEXED BY faces_for_people ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id
               WHERE a.person_id = @personId ORDER BY undated, at, p.path LIMIT @limit OFFSET @offset) page ON page.photo_id = p.id
         ORDER BY page.undated, page.at, page.path`,
      )
      .all({ personId, limit, offset }) as PhotoRow[];
    return { total: this.people.summary(personId).photoCount, photos: rows.map(toPhotoSummary) };
  }

  /** A detector, recognizer or execution provider this machine does not have is refused before it is stored. */
  private checkSettings(change: ApiRequest<'settings.set'>): void {
    const { choices } = this.settings.get();
    if (change.detector !== undefined && !choices.detectors.some((d) => d.id === change.detector)) {
      throw new ApiError('bad-request', `There is no detector "${change.detector}" (choose one of ${choices.detectors.map((d) => d.id).join(', ')}).`);
    }
    if (change.recognizer !== undefined && !choices.recognizers.some((r) => r.id === change.recognizer)) {
      throw new ApiError('bad-request', `There is no recognizer "${change.recognizer}" (choose one of ${choices.recognizers.map((r) => r.id).join(', ')}).`);
    }
    if (change.executionProvider !== undefined && !choices.executionProviders.includes(change.executionProvider)) {
      throw new ApiError('bad-request', `The execution provider "${change.executionProvider}" is not available on this computer (${choices.executionProviders.join(', ')} are).`);
    }
  }

  private readonly handlers: Handlers = {
    'library.status': () => libraryStatus(this.library),
    'library.addFolder': async ({ path: folder }) => {
      if (!path.isAbsolute(folder)) throw new ApiError('bad-request', 'Give the folder as a full path (for example /home/me/Pictures).');
      const info = await stat(folder).catch(() => undefined);
      if (!info) throw new ApiError('bad-request', `There is no folder ${folder} (or Facetag may not read it).`);
      if (!info.isDirectory()) throw new ApiError('bad-request', `${folder} is not a folder.`);
      const added = this.library.repo.addFolder(folder);
      this.emit('library.changed', { reason: 'folder added' });
      return added;
    },
    'library.removeFolder': ({ folderId }) => {
      if (!this.library.repo.listFolders().some((f) => f.id === folderId)) throw new ApiError('not-found', `There is no folder ${folderId} in the library.`);
      if (this.scanRun) throw new ApiError('conflict', 'Wait for the scan to finish (or cancel it) before removing a folder.');
      this.library.repo.removeFolder(folderId);
      this.emit('library.changed', { reason: 'folder removed' });
      return { removed: true };
    },
    'scan.start': ({ folderIds }) => this.startScan(folderIds),
    'scan.pause': () => {
      this.scanner?.pause();
      return this.scanState();
    },
    'scan.resume': () => {
      this.scanner?.resume();
      return this.scanState();
    },
    'scan.cancel': () => {
      this.scanner?.cancel();
      return this.scanState();
    },
    'scan.progress': () => this.scanState(),
    'people.list': ({ includeHidden, search }) => {
      const needle = search?.trim().toLowerCase();
      return this.people.list({ includeHidden }).filter((p) => !needle || (p.name ?? '').toLowerCase().includes(needle));
    },
    // The person page shows the first page of faces; faceCount says how many there are in all.
    'people.get': ({ personId, facesOffset, facesLimit }) =>
      this.people.details(personId, { facesOffset: facesOffset ?? 0, facesLimit: facesLimit ?? PERSON_PAGE_FACES }),
    'people.name': ({ personId, name }) => {
      this.people.name(personId, name);
      return this.people.summary(personId);
    },
    'people.merge': ({ personId, otherId }) => {
      this.people.merge(personId, otherId);
      return this.people.summary(personId);
    },
    'people.split': ({ personId }) => ({ people: this.people.split(personId).map((id) => this.people.summary(id)) }),
    'people.hide': ({ personId, hidden }) => {
      this.people.hide(personId, hidden);
      return this.people.summary(personId);
    },
    'people.setCover': ({ personId, faceId }) => {
      this.people.setCover(personId, faceId);
      return this.people.summary(personId);
    },
    'faces.confirm': ({ faceId, target }) => ({ personId: this.people.confirm(faceId, target) }),
    'faces.confirmMany': ({ faceIds }) => ({ confirmed: this.people.confirmSuggestions(faceIds) }),
    'faces.reject': ({ faceId, personId }) => {
      this.people.reject(faceId, personId);
      return { rejected: true };
    },
    'faces.move': ({ faceId, personId }) => {
      this.people.move(faceId, personId);
      return { moved: true };
    },
    'faces.notAFace': ({ faceId }) => {
      this.people.markNotAFace(faceId);
      return { removed: true };
    },
    'faces.add': async ({ photoId, box, target }) => {
      const photo = this.photoDetails(photoId);
      return { faceId: await this.people.addFace(photo.path, box as Box, target) };
    },
    'review.queue': ({ limit }) => this.people.reviewQueue(limit),
    'photos.list': ({ offset, limit, personId }) => this.listPhotos(offset, limit, personId),
    'photos.get': ({ photoId }) => this.photoDetails(photoId),
    'photos.find': ({ path: file }) => this.findPhoto(file),
    'history.undo': () => ({ undone: this.people.undoLast() }),
    'settings.get': () => ({ ...this.settings.get(), autoConfidence: this.people.autoConfidence() }),
    'settings.set': (change) => {
      this.checkSettings(change);
      if (change.autoConfidence !== undefined) this.people.setAutoConfidence(change.autoConfidence);
      this.settings.set(change);
      return { ...this.settings.get(), autoConfidence: this.people.autoConfidence() };
    },
  };

  /** Runs one method. Errors a user can act on come out as ApiError; anything else is a bug and says so. */
  async handle<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResponse<M>> {
    try {
      return await (this.handlers[method] as (r: ApiRequest<M>) => Promise<ApiResponse<M>> | ApiResponse<M>)(request);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      if (error instanceof PeopleError) throw new ApiError(/there is no/.test(error.message) ? 'not-found' : 'bad-request', error.message);
      throw error;
    }
  }

  async close(): Promise<void> {
    this.scanner?.cancel();
    await this.scanRun;
    this.library.close();
  }
}
