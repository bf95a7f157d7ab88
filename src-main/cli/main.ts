import { Command, CommanderError } from 'commander';
import { ModelError } from '../node/models/model-store.js';
import { PeopleError } from '../node/people/people.service.js';
import { EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, UsageError } from './cli-error.js';
import { registerCalibrate } from './calibrate.command.js';
import { registerDetect } from './detect.command.js';
import { registerInterop } from './interop.command.js';
import { registerLibrary } from './library.command.js';
import { registerModels } from './models.command.js';
import { registerPeople } from './people.command.js';
import { registerServe } from './serve.command.js';

function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('facetag')
    .description('Find, group and name the faces in your photos. Everything runs on this machine.')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerDetect(program, setExitCode);
  registerModels(program, setExitCode);
  registerLibrary(program, setExitCode);
  registerPeople(program);
  registerCalibrate(program);
  registerInterop(program, setExitCode);
  registerServe(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the command line; returns the exit status (0 ok, 1 some input failed, 2 usage error). */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version print and exit 0; anything else commander refuses is a usage error.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`facetag: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ModelError || error instanceof PeopleError) {
      process.stderr.write(`facetag: ${error.message}\n`);
      return EXIT_SOME_FAILED;
    }
    throw error;
  }
}
