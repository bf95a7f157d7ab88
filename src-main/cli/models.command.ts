import type { Command } from 'commander';
import {
  allModelStatuses,
  defaultLocalSource,
  findModel,
  installHint,
  installModel,
  loadManifest,
  ModelError,
} from '../node/models/model-store.js';
import type { ModelSpec } from '../common/model-manifest.js';
import { EXIT_OK, EXIT_SOME_FAILED } from './cli-error.js';

interface InstallOptions {
  from?: string;
  defaultSource: boolean;
  quiet: boolean;
}

export function registerModels(program: Command, setExitCode: (code: number) => void): void {
  const models = program
    .command('models')
    .description('list the face models and whether each is installed, missing or corrupt')
    .option('--json', 'print the list as JSON', false)
    .action(async (options: { json: boolean }) => setExitCode(await listModels(options.json)));

  models
    .command('install')
    .description('install model weights from a folder or a URL, verified by sha256')
    .argument('[ids...]', 'model ids (default: all in the manifest)')
    .option('--from <folder-or-url>', 'where the .onnx files are')
    .option('--default-source', 'install from ../shared/models if present; never fail (used by npm ci)', false)
    .option('--quiet', 'print only problems', false)
    .action(async (ids: string[], options: InstallOptions) => setExitCode(await install(ids, options)));
}

async function listModels(json: boolean): Promise<number> {
  const statuses = await allModelStatuses();
  if (json) {
    const rows = statuses.map((s) => ({
      id: s.model.id,
      role: s.model.role,
      state: s.state,
      file: s.path,
      licence: s.model.licence,
      ...(s.problem ? { problem: s.problem } : {}),
    }));
    process.stdout.write(`${JSON.stringify({ models: rows })}\n`);
  } else {
    const { defaults } = loadManifest();
    for (const s of statuses) {
      const isDefault = defaults.detector === s.model.id || defaults.recognizer === s.model.id ? ' (default)' : '';
      const problem = s.problem ? ` — ${s.problem}` : '';
      process.stdout.write(`${s.state.padEnd(9)} ${s.model.role.padEnd(10)} ${s.model.id}${isDefault}  ${s.path}${problem}\n`);
    }
    if (statuses.some((s) => s.state !== 'installed')) process.stdout.write(`\n${installHint()}\n`);
  }
  return statuses.every((s) => s.state === 'installed') ? EXIT_OK : EXIT_SOME_FAILED;
}

/** Sources for one model: --from if given, else the shared folder beside the checkout, else the manifest's URLs. */
function sourcesFor(model: ModelSpec, from: string | undefined): string[] {
  if (from) return [from];
  const local = defaultLocalSource();
  return [...(local ? [local] : []), ...model.urls.map((url) => url.slice(0, url.lastIndexOf('/') + 1))];
}

async function install(ids: string[], options: InstallOptions): Promise<number> {
  const wanted = ids.length > 0 ? ids.map(findModel) : loadManifest().models;
  let failed = 0;
  for (const model of wanted) {
    const sources = sourcesFor(model, options.from);
    const problems: string[] = [];
    let done = false;
    for (const source of sources) {
      try {
        const result = await installModel(model, source);
        if (!options.quiet) process.stdout.write(`${result.outcome === 'installed' ? 'installed' : 'already installed'}: ${model.id}\n`);
        done = true;
        break;
      } catch (error) {
        if (!(error instanceof ModelError) && !(error instanceof Error && 'code' in error)) throw error;
        problems.push((error as Error).message);
      }
    }
    if (!done) {
      failed++;
      const why = problems.length > 0 ? problems.join('; ') : 'no source known (no --from, no ../shared/models, no URL)';
      process.stderr.write(`facetag: model ${model.id} (${model.file}) not installed: ${why}\n`);
    }
  }
  if (failed > 0) process.stderr.write(`${installHint()}\n`);
  return failed > 0 && !options.defaultSource ? EXIT_SOME_FAILED : EXIT_OK;
}
