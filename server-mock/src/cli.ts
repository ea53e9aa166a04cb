import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandLineError, HELP, parseCommandLine, type CommandLine } from './cli-options.js';
import { startServer } from './index.js';

/** The repository root: this file runs as server-mock/dist/cli.js (built) or server-mock/src/cli.ts. */
function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

async function main(): Promise<void> {
  const root = repoRoot();
  let parsed: CommandLine;
  try {
    parsed = parseCommandLine(process.argv.slice(2), process.env, root);
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    console.error(`server-mock: ${error.message}`);
    process.exit(2);
  }
  if (parsed.kind === 'help') {
    console.info(HELP);
    return;
  }
  const { options } = parsed;
  const server = await startServer(options);
  const storage = options.storage?.kind === 'sqlite' ? options.storage.file : 'memory (nothing is kept)';
  console.info(`server-mock listening on ${server.url}`);
  console.info(`  data: ${storage}`);
  if (!existsSync(join(root, 'sample-app', 'dist', 'index.html'))) {
    console.info('  the sample app is not built yet: run `npm run build` at the repository root');
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.info(`server-mock: ${signal}, closing`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('server-mock: failed to close cleanly', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('server-mock: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
