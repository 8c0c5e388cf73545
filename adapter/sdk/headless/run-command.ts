// `kmirror-dap run ...` — headless scripted debugging. adapter/dap/main.ts hands
// the arguments after `run` and the debugger kinds of its backends to runCommand, and exits with
// what it returns.
import { parseRunArgs, runUsage } from './run-args.js';
import { runHeadless } from './run-headless.js';
import { UsageError } from './usage-error.js';

/** Parses the flags, runs the session and returns the exit code (2 for usage errors). */
export async function runCommand(argv: readonly string[], opts: { debuggerKinds: readonly string[] }): Promise<number> {
  let options;
  try {
    options = parseRunArgs(argv, opts.debuggerKinds);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`kmirror-dap run: ${e.message}\n(see kmirror-dap run --help)\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${runUsage(opts.debuggerKinds)}\n`);
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
