// `kmirror-dap run ...` — headless scripted debugging. adapter/dap/main.ts hands
// the arguments after `run` to runCommand and exits with what it returns:
//   if (process.argv[2] === 'run') process.exit(await runCommand(process.argv.slice(3)));
import { parseRunArgs, RUN_USAGE } from './run-args.js';
import { runHeadless } from './run-headless.js';
import { UsageError } from './usage-error.js';

/** Parses the flags, runs the session and returns the exit code (2 for usage errors). */
export async function runCommand(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseRunArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`kmirror-dap run: ${e.message}\n(see kmirror-dap run --help)\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${RUN_USAGE}\n`);
    return 0;
  }
  let onSigint: (() => void) | undefined;
  const interrupted = new Promise<void>((resolve) => {
    onSigint = () => resolve();
    process.once('SIGINT', onSigint);
  });
  try {
    return await runHeadless(options, { stdout: process.stdout, stderr: process.stderr, interrupted });
  } finally {
    if (onSigint) process.off('SIGINT', onSigint);
  }
}
