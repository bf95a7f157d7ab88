import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shared test data beside the checkout (never copied into the repository). */
export const SHARED = path.resolve(REPO_ROOT, '..', 'shared');
export const SHARED_PHOTOS = path.join(SHARED, 'photos');
export const SHARED_MODELS = path.join(SHARED, 'models');
export const MODELS_DIR = path.join(REPO_ROOT, 'models');
