import type { Command } from 'commander';
import type { LibraryStatus, ScanSummary } from '../common/library.js';
import { FolderWatcher } from '../node/library/folder-watcher.js';
import { LibraryScanner, ScanAbortedError } from '../node/library/library-scanner.js';
import { libraryStatus, openLibrary } from '../node/library/open-library.js';
import { importNamesAfterScan } from '../node/interop/xmp-import.js';
import { PeopleService } from '../node/people/people.service.js';
import type { PipelineOptions } from '../node/vision/face-pipeline.js';
import { availableExecutionProviders, type ExecutionProvider } from '../node/vision/onnx-session.js';
import { EXIT_OK, EXIT_SOME_FAILED, UsageError } from './cli-error.js';
import { ProgressLine } from './progress-line.js';

interface DbOption {
  db?: string;
}

interface IndexOptions {
  workers?: number;
  executionProvider?: ExecutionProvider;
}

function parseExecutionProvider(value: string): ExecutionProvider {
  const available = availableExecutionProviders();
  const ep = available.find((a) => a === value);
  if (ep) return ep;
  const cudaHint =
    value === 'cuda' && process.platform === 'linux'
      ? ' (with an NVIDIA card and CUDA 12: run `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install` once)'
      : '';
  throw new UsageError(`--execution-provider must be one of ${available.join(', ')} on this computer, not "${value}"${cudaHint}`);
}

function pipelineFor(options: IndexOptions): PipelineOptions | undefined {
  return options.executionProvider ? { session: { executionProviders: [options.executionProvider] } } : undefined;
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--workers must be a whole number from 1 to 64, not "${value}"`);
  return n;
}

function describeSummary(s: ScanSummary): string {
  return (
    `${s.photos} photos, ${s.faces} faces: ${s.new} new, ${s.changed} changed, ${s.moved} moved, ` +
    `${s.removed} removed, ${s.unchanged} unchanged, ${s.errors.length} error(s)`
  );
}

/** First Ctrl-C: finish the photos in progress and stop cleanly; second: leave at once (the scan resumes later). */
function cancelOnInterrupt(scanner: LibraryScanner): () => void {
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nstopping after the photos in progress (Ctrl-C again to quit now)…\n');
    scanner.cancel();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

export function registerLibrary(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('scan')
    .description('add folders to the library and index their photos (new, changed, moved and deleted ones)')
    .argument('<folders...>', 'photo folders')
    .option('--db <file>', 'library database (default: FACETAG_DB or the per-user app data folder)')
    .option('--json', 'end with one JSON line summarising the scan', false)
    .option('--workers <n>', 'index worker threads (default: one per core)', parseWorkers)
    .option('--execution-provider <ep>', 'where the models run: cpu (default), cuda, dml or coreml where available', parseExecutionProvider)
    .action(async (folders: string[], options: DbOption & IndexOptions & { json: boolean }) => {
      setExitCode(await runScan(folders, options));
    });

  program
    .command('status')
    .description('show the library: folders, counts, last scan, photos that could not be read and why')
    .option('--db <file>', 'library database')
    .option('--json', 'print JSON', false)
    .action((options: DbOption & { json: boolean }) => {
      const library = openLibrary(options.db);
      try {
        const status = libraryStatus(library);
        process.stdout.write(options.json ? `${JSON.stringify(status)}\n` : describeStatus(status));
      } finally {
        library.close();
      }
    });

  program
    .command('watch')
    .description('keep the library in step with its folders until interrupted')
    .option('--db <file>', 'library database')
    .option('--workers <n>', 'index worker threads (default: one per core)', parseWorkers)
    .option('--execution-provider <ep>', 'where the models run: cpu (default), cuda, dml or coreml where available', parseExecutionProvider)
    .action(async (options: DbOption & IndexOptions) => setExitCode(await runWatch(options)));
}

async function runScan(folders: string[], options: DbOption & IndexOptions & { json: boolean }): Promise<number> {
  const library = openLibrary(options.db);
  const progress = new ProgressLine();
  const scanner = new LibraryScanner(library.repo, {
    workers: options.workers,
    pipeline: pipelineFor(options),
    onProgress: (p) => (p.phase === 'indexing' ? progress.show(p, p.done === p.total) : undefined),
  });
  const stopListening = cancelOnInterrupt(scanner);
  try {
    const summary = await scanner.scan(folders);
    progress.done(describeSummary(summary));
    await settleNewFaces(new PeopleService(library.db));
    if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else for (const e of summary.errors) process.stdout.write(`error: ${e.file}: ${e.error}\n`);
    return summary.errors.length > 0 ? EXIT_SOME_FAILED : EXIT_OK;
  } catch (error) {
    if (!(error instanceof ScanAbortedError)) throw error;
    progress.done('scan stopped');
    process.stderr.write(`facetag: ${error.message}\n`);
    return EXIT_SOME_FAILED;
  } finally {
    stopListening();
    await scanner.close();
    library.close();
  }
}

/** After photos are indexed: names already in their XMP come in, then the new faces are grouped into people. */
async function settleNewFaces(people: PeopleService): Promise<void> {
  await importNamesAfterScan(people);
  reportGrouping(people);
}

function reportGrouping(people: PeopleService): void {
  const g = people.groupNewFaces();
  if (g.faces > 0) process.stderr.write(`grouped ${g.faces} new face(s): ${g.assigned} joined a person, ${g.newPeople} new group(s), ${g.merged} merge(s)\n`);
}

function describeStatus(status: LibraryStatus): string {
  const lines = [`library: ${status.database}`, `${status.photos} photos, ${status.faces} faces, ${status.photosWithErrors} unreadable`];
  for (const f of status.folders) lines.push(`  folder ${f.path} (${f.photos} photos)`);
  const last = status.lastScan;
  if (last) lines.push(`last scan: ${last.startedAt} (${last.outcome})${last.summary ? `: ${describeSummary(last.summary)}` : ''}`);
  else lines.push('no scan yet: run `facetag scan <folder>`');
  for (const e of status.errors) lines.push(`  cannot read ${e.file}: ${e.error}`);
  return `${lines.join('\n')}\n`;
}

async function runWatch(options: DbOption & IndexOptions): Promise<number> {
  const library = openLibrary(options.db);
  const folders = library.repo.listFolders().map((f) => f.path);
  if (folders.length === 0) {
    library.close();
    throw new UsageError('the library has no folders yet: add one with `facetag scan <folder>`');
  }
  const scanner = new LibraryScanner(library.repo, { workers: options.workers, pipeline: pipelineFor(options) });
  const people = new PeopleService(library.db);
  const catchUp = await scanner.scan(folders);
  process.stderr.write(`up to date: ${describeSummary(catchUp)}\n`);
  await settleNewFaces(people);
  const watcher = new FolderWatcher(folders, {
    onBatch: async (paths) => {
      const summary = await scanner.syncPaths(paths);
      process.stderr.write(`${new Date().toLocaleTimeString()} ${describeSummary(summary)}\n`);
      await settleNewFaces(people);
      for (const e of summary.errors) process.stderr.write(`  error: ${e.file}: ${e.error}\n`);
    },
    onError: (error) => process.stderr.write(`facetag: watch: ${(error as Error).message}\n`),
  });
  await watcher.ready();
  process.stderr.write(`watching ${folders.length} folder(s); Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await watcher.close();
  await scanner.close();
  library.close();
  return EXIT_OK;
}
