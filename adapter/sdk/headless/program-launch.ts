// Turns the command after `--` (`node app.js`, `python3 app.py`, `go run ./cmd`, `./bin`) into the
// launch fields kmirror-dap takes: program, args and, when the interpreter says so, debugger.
import { basename } from 'node:path';
import { UsageError } from './usage-error.js';

export interface ProgramLaunch {
  program: string;
  args: string[];
  debugger?: string;
}

/**
 * Maps a command line to program/args/debugger; `debuggerFlag` (from --debugger) wins over the guess.
 * `debuggerKinds` are the values --debugger accepts (kmirror-dap's backend registry, handed down by
 * its main.ts); without them the flag is not checked here and kmirror-dap's launch validation judges it.
 */
export function programLaunch(argv: readonly string[], debuggerFlag?: string, debuggerKinds?: readonly string[]): ProgramLaunch {
  if (debuggerFlag !== undefined && debuggerKinds && !debuggerKinds.includes(debuggerFlag)) {
    throw new UsageError(`--debugger must be one of ${debuggerKinds.join(', ')}, got "${debuggerFlag}"`);
  }
  const [command = '', ...rest] = argv;
  const name = basename(command);
  let launch: ProgramLaunch;
  if (/^node(js)?\d*$/.test(name)) launch = interpreted('node', command, rest);
  else if (/^python[\d.]*$/.test(name)) launch = interpreted('python', command, rest);
  else if (name === 'go') launch = goRun(rest);
  else launch = { program: command, args: rest };
  return debuggerFlag ? { ...launch, debugger: debuggerFlag } : launch;
}

function interpreted(kind: 'node' | 'python', command: string, rest: readonly string[]): ProgramLaunch {
  const [script, ...args] = rest;
  if (script === undefined) throw new UsageError(`"${command}" needs a script to debug, e.g. -- ${command} app.${kind === 'node' ? 'js' : 'py'}`);
  if (script.startsWith('-')) {
    throw new UsageError(`interpreter option "${script}" before the script is not supported; give the script first (-- ${command} app.${kind === 'node' ? 'js' : 'py'} ...)`);
  }
  return { program: script, args, debugger: kind };
}

function goRun(rest: readonly string[]): ProgramLaunch {
  const [sub, pkg, ...args] = rest;
  if (sub !== 'run' || pkg === undefined || pkg.startsWith('-')) {
    throw new UsageError('for Go, give "go run PACKAGE [ARGS...]" (no build flags) or a built binary');
  }
  return { program: pkg, args, debugger: 'go' };
}
