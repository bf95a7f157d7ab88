import { z } from 'zod';
import type { Box, Landmarks5 } from '../geometry.js';
import type { CaptureSource, LibraryFolder, LibraryStatus, ScanProgress, ScanSummary } from '../library.js';
import type { AssignmentStatus, PersonDetails, PersonSummary, ReviewItem } from '../people.js';

/**
 * The one contract between the UI and the core: every request the UI may send, validated at the boundary (zod),
 * and what it gets back. The Electron IPC door, the loopback HTTP door and the tests all go through it.
 */

const id = z.number().int().positive();
const box = z.tuple([z.number(), z.number(), z.number(), z.number()]).refine(([x1, y1, x2, y2]) => x2 > x1 && y2 > y1, 'x2 > x1 and y2 > y1');
const personTarget = z.union([z.object({ personId: id }), z.object({ name: z.string().trim().min(1).max(200) })]);
const empty = z.object({}).strict();

export const executionProviders = ['cpu', 'cuda', 'dml', 'coreml'] as const;

export const requestSchemas = {
  'library.status': empty,
  'library.addFolder': z.object({ path: z.string().min(1).max(4096) }).strict(),
  'library.removeFolder': z.object({ folderId: id }).strict(),
  'scan.start': z.object({ folderIds: z.array(id).optional() }).strict(),
  'scan.pause': empty,
  'scan.resume': empty,
  'scan.cancel': empty,
  'scan.progress': empty,
  'people.list': z.object({ includeHidden: z.boolean().optional(), search: z.string().max(200).optional() }).strict(),
  /** faces: `facesLimit` (default 1,000) of the person's faces in capture order from `facesOffset`; faceCount is the total. */
  'people.get': z
    .object({ personId: id, facesOffset: z.number().int().min(0).optional(), facesLimit: z.number().int().min(1).max(100_000).optional() })
    .strict(),
  'people.name': z.object({ personId: id, name: z.string().trim().min(1).max(200) }).strict(),
  'people.merge': z.object({ personId: id, otherId: id }).strict(),
  'people.split': z.object({ personId: id }).strict(),
  'people.hide': z.object({ personId: id, hidden: z.boolean() }).strict(),
  'people.setCover': z.object({ personId: id, faceId: id }).strict(),
  'faces.confirm': z.object({ faceId: id, target: personTarget }).strict(),
  'faces.confirmMany': z.object({ faceIds: z.array(id).min(1).max(1000) }).strict(),
  'faces.reject': z.object({ faceId: id, personId: id }).strict(),
  'faces.move': z.object({ faceId: id, personId: id }).strict(),
  'faces.notAFace': z.object({ faceId: id }).strict(),
  'faces.add': z.object({ photoId: id, box, target: personTarget.optional() }).strict(),
  'review.queue': z.object({ limit: z.number().int().min(1).max(500).optional() }).strict(),
  'photos.list': z
    .object({ offset: z.number().int().min(0), limit: z.number().int().min(1).max(1000), personId: id.optional() })
    .strict(),
  'photos.get': z.object({ photoId: id }).strict(),
  /** A library photo by its path (people, review items and "seen" dates name photos by path). */
  'photos.find': z.object({ path: z.string().min(1).max(4096) }).strict(),
  'history.undo': empty,
  'settings.get': empty,
  'settings.set': z
    .object({
      detector: z.string().min(1).optional(),
      recognizer: z.string().min(1).optional(),
      autoConfidence: z.number().gt(0).max(1).optional(),
      executionProvider: z.enum(executionProviders).optional(),
      workers: z.number().int().min(1).max(64).optional(),
    })
    .strict(),
} as const;

export type ApiMethod = keyof typeof requestSchemas;
export type ApiRequest<M extends ApiMethod> = z.infer<(typeof requestSchemas)[M]>;

export interface PhotoSummary {
  readonly id: number;
  readonly path: string;
  readonly width: number | null;
  readonly height: number | null;
  readonly capturedAt: string | null;
  readonly captureSource: CaptureSource | null;
  readonly faceCount: number;
}

export interface PhotoFace {
  readonly id: number;
  readonly box: Box;
  readonly landmarks: Landmarks5;
  readonly score: number;
  readonly quality: number;
  readonly origin: 'detected' | 'manual';
  readonly personId: number | null;
  readonly personName: string | null;
  readonly status: AssignmentStatus | null;
  readonly confidence: number | null;
}

export interface PhotoDetails extends PhotoSummary {
  readonly faces: PhotoFace[];
  readonly error: string | null;
}

export interface Settings {
  readonly detector: string;
  readonly recognizer: string;
  readonly autoConfidence: number;
  readonly executionProvider: (typeof executionProviders)[number];
  readonly workers: number;
  /** What the user may choose from on this machine. */
  readonly choices: {
    readonly detectors: { id: string; architecture: string }[];
    readonly recognizers: { id: string }[];
    readonly executionProviders: (typeof executionProviders)[number][];
    readonly maxWorkers: number;
  };
}

export interface ScanState {
  readonly running: boolean;
  readonly progress: ScanProgress | null;
  readonly lastSummary: ScanSummary | null;
}

/** What each method answers. */
export interface ApiResponses {
  'library.status': LibraryStatus;
  'library.addFolder': LibraryFolder;
  'library.removeFolder': { removed: true };
  'scan.start': ScanState;
  'scan.pause': ScanState;
  'scan.resume': ScanState;
  'scan.cancel': ScanState;
  'scan.progress': ScanState;
  'people.list': PersonSummary[];
  'people.get': PersonDetails;
  'people.name': PersonSummary;
  'people.merge': PersonSummary;
  'people.split': { people: PersonSummary[] };
  'people.hide': PersonSummary;
  'people.setCover': PersonSummary;
  'faces.confirm': { personId: number };
  'faces.confirmMany': { confirmed: number };
  'faces.reject': { rejected: true };
  'faces.move': { moved: true };
  'faces.notAFace': { removed: true };
  'faces.add': { faceId: number };
  'review.queue': ReviewItem[];
  'photos.list': { total: number; photos: PhotoSummary[] };
  'photos.get': PhotoDetails;
  'photos.find': PhotoSummary;
  'history.undo': { undone: string | null };
  'settings.get': Settings;
  'settings.set': Settings;
}

export type ApiResponse<M extends ApiMethod> = ApiResponses[M];

/** Events the core pushes to the UI. */
export interface ApiEvents {
  'scan.progress': ScanProgress;
  'scan.finished': { summary: ScanSummary | null; error: string | null };
  'library.changed': { reason: string };
}

export type ApiEventName = keyof ApiEvents;

export type ApiErrorCode = 'bad-request' | 'not-found' | 'conflict' | 'unauthorized' | 'internal';

/** How an error crosses a door: a code the UI can act on and a message a user understands. */
export interface ApiErrorBody {
  readonly code: ApiErrorCode;
  readonly message: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The client side of the contract, whatever the door. */
export interface FacetagApi {
  call<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResponse<M>>;
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}
