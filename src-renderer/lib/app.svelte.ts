import { getContext, setContext } from 'svelte';
import type { FacetagApi } from '../../src-main/common/api/contract';
import { describeError, describeUndone } from './format';
import { LibraryState } from './library.svelte';
import { Router } from './router.svelte';
import { Toasts } from './toasts.svelte';

/** What every screen shares: the API, the route, the toasts, the library and scan state, and a change counter. */
export class AppState {
  readonly toasts = new Toasts();
  readonly router = new Router();
  readonly library: LibraryState;
  /** Bumped after every change to people or photos; screens reload what they show when it moves. */
  revision = $state(0);

  constructor(readonly api: FacetagApi) {
    this.library = new LibraryState(this);
  }

  /** Subscribes to the core's events and loads the first state. */
  start(): () => void {
    return this.library.start();
  }

  changed(): void {
    this.revision++;
  }

  /**
   * Runs a change: on success says so (when given a message) and bumps the revision; on failure shows the error in
   * words and answers undefined.
   */
  async act<T>(work: () => Promise<T>, success?: string | ((result: T) => string | null)): Promise<T | undefined> {
    try {
      const result = await work();
      this.changed();
      const text = typeof success === 'function' ? success(result) : success;
      if (text) this.toasts.success(text);
      return result;
    } catch (error) {
      this.toasts.error(describeError(error));
      return undefined;
    }
  }

  /** Runs a read; a failure becomes an error toast and undefined. */
  async load<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      this.toasts.error(describeError(error));
      return undefined;
    }
  }

  async undo(): Promise<void> {
    try {
      const { undone } = await this.api.call('history.undo', {});
      if (undone) {
        this.changed();
        this.toasts.success(describeUndone(undone));
      } else this.toasts.info(describeUndone(null));
    } catch (error) {
      this.toasts.error(describeError(error));
    }
  }
}

const KEY = Symbol('facetag-app');

export function provideApp(app: AppState): AppState {
  return setContext(KEY, app);
}

export function useApp(): AppState {
  const app = getContext<AppState | undefined>(KEY);
  if (!app) throw new Error('useApp() outside <App>');
  return app;
}

export const APP_CONTEXT_KEY = KEY;
