/** Where a photo's capture time came from, best first. */
export type CaptureSource = 'DateTimeOriginal' | 'CreateDate' | 'FileModifyDate';

export interface CaptureTime {
  /** ISO 8601: with its UTC offset when the photo recorded one (e.g. 2019-07-20T17:45:22-07:00), else local time. */
  readonly at: string;
  readonly source: CaptureSource;
}

export interface LibraryFolder {
  readonly id: number;
  readonly path: string;
  readonly addedAt: string;
}

export interface ScanError {
  readonly file: string;
  readonly error: string;
}

/** The last line of `facetag scan --json`: an exact contract. */
export interface ScanSummary {
  photos: number;
  faces: number;
  new: number;
  changed: number;
  moved: number;
  removed: number;
  unchanged: number;
  errors: ScanError[];
  seconds: number;
}

export type ScanPhase = 'listing' | 'indexing' | 'done';

export interface ScanProgress {
  readonly phase: ScanPhase;
  readonly done: number;
  readonly total: number;
  readonly photosPerSecond: number;
  /** Seconds left at the current rate; null until a rate is known. */
  readonly etaSeconds: number | null;
  readonly currentFile: string | null;
  readonly errors: number;
  readonly paused: boolean;
}

export interface LibraryStatus {
  readonly database: string;
  readonly folders: (LibraryFolder & { photos: number })[];
  readonly photos: number;
  readonly faces: number;
  readonly photosWithErrors: number;
  readonly lastScan: { startedAt: string; finishedAt: string | null; outcome: string; summary: ScanSummary | null } | null;
  readonly errors: ScanError[];
}
