import type { PersonSummary, SeenAt } from '../../common/people.js';
import type { LibraryDatabase } from '../store/database.js';

interface PersonStatsRow {
  id: number;
  name: string | null;
  hidden: number;
  cover_face_id: number | null;
  face_count: number;
  photo_count: number;
  first_at: string | null;
  first_source: SeenAt['source'] | null;
  first_path: string | null;
  last_at: string | null;
  last_source: SeenAt['source'] | null;
  last_path: string | null;
  best_face_id: number | null;
  best_path: string | null;
}

const PERSON_STATS_SQL = `SELECT pe.id, pe.name, pe.hidden, pe.cover_face_id, s.face_count, s.photo_count, s.first_at, s.first_source,
  s.first_path, s.last_at, s.last_source, s.last_path, s.best_face_id, s.best_path
  FROM people pe JOIN person_stats s ON s.person_id = pe.id`;

function toSummary(r: PersonStatsRow): PersonSummary {
  return {
    id: r.id,
    name: r.name,
    hidden: r.hidden === 1,
    photoCount: r.photo_count,
    faceCount: r.face_count,
    firstSeen: r.first_at === null ? null : { at: r.first_at, source: r.first_source!, file: r.first_path! },
    lastSeen: r.last_at === null ? null : { at: r.last_at, source: r.last_source!, file: r.last_path! },
    bestPhoto: r.best_path,
    avatarFaceId: r.cover_face_id ?? r.best_face_id,
  };
}

/** A person's summary from the people cache (person_stats), as it stands: the caller refreshes stale figures. */
export function readSummary(db: LibraryDatabase, personId: number): PersonSummary | undefined {
  const row = db.prepare(`${PERSON_STATS_SQL} WHERE pe.id = ?`).get(personId) as PersonStatsRow | undefined;
  return row && toSummary(row);
}

/** The people list's order: named people first (by name), then unnamed groups, biggest first. */
function listOrder(a: PersonSummary, b: PersonSummary): number {
  if ((a.name === null) !== (b.name === null)) return a.name === null ? 1 : -1;
  if (a.name !== null && b.name !== null) return a.name.localeCompare(b.name);
  return b.faceCount - a.faceCount || a.id - b.id;
}

interface Snapshot {
  /** people_version when it was read; -1 when figures were stale then (read everything again next time). */
  readonly version: number;
  readonly byId: Map<number, PersonSummary>;
  readonly sorted: readonly PersonSummary[];
}

/**
 * The people list, held in memory and brought up to date from the people change log (migration 5) when the
 * database says something the list shows has changed: one row read when nothing did (whatever else was written),
 * and only the changed people read again when something did.
 */
export class PeopleList {
  private snapshot: Snapshot | undefined;

  constructor(
    private readonly db: LibraryDatabase,
    /** Recomputes the figures that the triggers marked stale (person_stats). */
    private readonly refreshStats: () => void,
  ) {}

  list(options: { includeHidden?: boolean } = {}): PersonSummary[] {
    if (this.snapshot?.version !== this.version()) this.snapshot = this.update(this.snapshot);
    const { sorted } = this.snapshot!;
    return options.includeHidden ? [...sorted] : sorted.filter((p) => !p.hidden);
  }

  private version(): number {
    return this.db.prepare('SELECT version FROM people_version').pluck().get() as number;
  }

  private update(previous: Snapshot | undefined): Snapshot {
    this.refreshStats();
    // One read transaction: the version, the rows and the count belong to the same state of the database.
    return this.db.transaction((): Snapshot => {
      const version = this.version();
      const stale = this.db.prepare('SELECT EXISTS (SELECT 1 FROM person_stats_stale)').pluck().get() === 1;
      const byId = previous && previous.version >= 0 ? new Map(previous.byId) : new Map<number, PersonSummary>();
      const rows = (
        previous && previous.version >= 0
          ? this.db
              .prepare(`${PERSON_STATS_SQL} WHERE pe.id IN (SELECT person_id FROM people_changes WHERE version > ?)`)
              .all(previous.version)
          : this.db.prepare(PERSON_STATS_SQL).all()
      ) as PersonStatsRow[];
      for (const row of rows) byId.set(row.id, toSummary(row));
      // The people deleted since leave no change behind: when the count says someone is gone, drop whoever is.
      if (byId.size !== (this.db.prepare('SELECT count(*) FROM person_stats').pluck().get() as number)) {
        const present = new Set(this.db.prepare('SELECT person_id FROM person_stats').pluck().all() as number[]);
        for (const id of byId.keys()) if (!present.has(id)) byId.delete(id);
      }
      return { version: stale ? -1 : version, byId, sorted: [...byId.values()].sort(listOrder) };
    })();
  }
}
