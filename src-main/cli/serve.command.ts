import type { Command } from 'commander';
import { FacetagCore } from '../node/api/facetag-core.js';
import { HttpDoor } from '../node/api/http-door.js';
import { UsageError } from './cli-error.js';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, not "${value}"`);
  return port;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the app on http://127.0.0.1 (this computer only) and print its URL')
    .option('--db <file>', 'library database')
    .option('--port <n>', 'port (default: any free one)', parsePort)
    .action(async (options: { db?: string; port?: number }) => {
      const core = new FacetagCore(options.db);
      const door = new HttpDoor(core, { port: options.port });
      const url = await door.listen();
      process.stdout.write(`Facetag is running at ${url}\n`);
      process.stderr.write(`library: ${core.library.file}\nopen the link above in a browser; Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await door.close();
      await core.close();
    });
}
