import { executionProviders, type Settings } from '../../common/api/contract.js';
import { loadManifest } from '../models/model-store.js';
import type { LibraryDatabase } from '../store/database.js';
import { defaultPoolSize } from '../library/index-worker-pool.js';
import { availableExecutionProviders } from '../vision/onnx-session.js';
import { DEFAULT_AUTO_CONFIDENCE } from '../people/people.service.js';
import os from 'node:os';

type Stored = Omit<Settings, 'choices'>;

const KEY = 'app.settings';

/** The user's settings, in the library's settings table. */
export class SettingsStore {
  constructor(private readonly db: LibraryDatabase) {}

  private defaults(): Stored {
    const { defaults } = loadManifest();
    return {
      detector: defaults.detector,
      recognizer: defaults.recognizer,
      autoConfidence: DEFAULT_AUTO_CONFIDENCE,
      executionProvider: 'cpu',
      workers: defaultPoolSize(),
    };
  }

  get(): Settings {
    const raw = this.db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(KEY) as string | undefined;
    const stored: Stored = { ...this.defaults(), ...(raw ? (JSON.parse(raw) as Partial<Stored>) : {}) };
    const models = loadManifest().models;
    return {
      ...stored,
      choices: {
        detectors: models.filter((m) => m.role === 'detector').map((m) => ({ id: m.id, architecture: m.architecture })),
        recognizers: models.filter((m) => m.role === 'recognizer').map((m) => ({ id: m.id })),
        executionProviders: availableExecutionProviders().filter((ep): ep is (typeof executionProviders)[number] =>
          (executionProviders as readonly string[]).includes(ep),
        ),
        maxWorkers: Math.max(1, os.availableParallelism()),
      },
    };
  }

  set(change: Partial<Stored>): Settings {
    const { choices: _choices, ...current } = this.get();
    const next = { ...current, ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
    this.db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(KEY, JSON.stringify(next));
    return this.get();
  }
}
