// Parses `kmirror-dap run` flags into RunOptions; every mistake becomes a UsageError that names
// the flag. Order matters for one flag: `--when` applies to the `--break` right before it.
import { resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import type { BreakpointSpec } from '../api/types.js';
import { programLaunch, type ProgramLaunch } from './program-launch.js';
import { UsageError } from './usage-error.js';

/** The help text; `debuggerKinds` are the values --debugger accepts. */
export const runUsage = (debuggerKinds: readonly string[]): string => `usage: kmirror-dap run --target TARGET --break FILE:LINE [--when EXPR] --print EXPR
                       [--log FILE:LINE:MESSAGE] [--count N] [--timeout SECONDS] [--json] [--trace GADGET]...
                       [--debugger ${debuggerKinds.join('|')}] [--config FILE] [--cwd DIR] [--env K=V]
                       [--replay FILE.kmrec[#ID[,ID…]]]
                       -- PROGRAM [ARGS...]
       kmirror-dap run --attach [--debugger node|go|python] --target TARGET [--process-id PID] [--local-root DIR --remote-root DIR]
                       --break FILE:LINE --print EXPR [--count N] [--timeout SECONDS] [--json]
                       [--non-breaking]

Launches PROGRAM under kmirror-dap with TARGET's network, DNS, files and env, prints the --print
values each time a breakpoint hits, continues, and exits with the program's exit code.
  --target T         pod/NAME, deploy/NAME, pid/N, netns/NAME, targetless (or set it in --config)
  --break FILE:LINE  breakpoint (repeatable); FILE is relative to --cwd or the current directory
  --when EXPR        condition for the --break just before it
  --print EXPR       expression evaluated at every hit (repeatable)
  --log F:L:MESSAGE  logpoint: prints MESSAGE ({expr} interpolated by the debugger), never stops
  --count N          stop the program and exit 0 after N hits
  --timeout S        stop the program and exit 124 after S seconds
  --replay F[#IDS]   once the program runs, send it the requests recorded in F (\`kmirror recording ls F\`
                     lists the ids; none: all of them), so the breakpoints stop on them
  --json             one JSON object per line on stdout ({"event":"hit",...}, {"event":"end",...});
                     the program's own output then goes to stderr
  --trace GADGET     stream the target's tcp, dns, exec or open events while the program runs
                     (repeatable or comma-separated; {"event":"trace",...} lines with --json)
  PROGRAM            node app.js | python3 app.py | go run ./cmd | ./binary ...
  --attach           attach to a process already running in TARGET instead (Node; Go with --debugger go; Python
                     by pid with --debugger python); it keeps running after the run ends (breakpoints removed)
  --process-id PID   with --attach: the pid inside the container (default: its main process)
  --local-root DIR   with --attach: the checkout directory matching --remote-root (the sources in the container)
  --non-breaking     snapshot mode: each hit records the stack and variables ({"event":"snapshot",...} with
                     --json) and the program runs on, never stopped; --print is then optional`;

export interface RunOptions {
  target?: string;
  configFile?: string;
  cwd?: string;
  env: Record<string, string>;
  breakpoints: BreakpointSpec[];
  prints: string[];
  count?: number;
  timeoutSeconds?: number;
  json: boolean;
  /** Trace gadgets of the target (launch field `trace`). */
  trace: string[];
  /** Absent with --attach. */
  launch?: ProgramLaunch;
  /** `--replay FILE[#ID,…]`: recorded requests to send into the program once it runs. */
  replay?: { file: string; ids: string[] | 'all' };
  /** --attach: the process in the target, and the source mapping. */
  attach?: { processId?: number; localRoot?: string; remoteRoot?: string; debugger: string };
  /** --non-breaking: snapshots instead of stops (launch field `nonBreaking`). */
  nonBreaking?: boolean;
}

const OPTIONS = {
  target: { type: 'string' },
  break: { type: 'string', multiple: true },
  when: { type: 'string', multiple: true },
  print: { type: 'string', multiple: true },
  log: { type: 'string', multiple: true },
  count: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  trace: { type: 'string', multiple: true },
  debugger: { type: 'string' },
  config: { type: 'string' },
  cwd: { type: 'string' },
  env: { type: 'string', multiple: true },
  replay: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  attach: { type: 'boolean' },
  'process-id': { type: 'string' },
  'local-root': { type: 'string' },
  'remote-root': { type: 'string' },
  'non-breaking': { type: 'boolean' },
} as const;

/** Returns 'help' when help was asked for; throws UsageError for bad flags (see programLaunch for `debuggerKinds`). */
export function parseRunArgs(argv: readonly string[], debuggerKinds?: readonly string[]): RunOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { values, tokens } = parsed;
  if (values.help) return 'help';

  const breakpoints: BreakpointSpec[] = [];
  let program: string[] | undefined;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') {
      program = argv.slice(token.index + 1);
      break;
    }
    if (token.kind === 'positional') {
      throw new UsageError(`unexpected argument "${token.value}": put the program to debug after --`);
    }
    if (token.name === 'break') breakpoints.push(parseLocation('--break', token.value ?? ''));
    if (token.name === 'log') breakpoints.push(parseLogpoint(token.value ?? ''));
    if (token.name === 'when') {
      const last = breakpoints.at(-1);
      if (!last || last.logMessage !== undefined) throw new UsageError('--when must follow the --break it applies to');
      if (last.condition !== undefined) throw new UsageError(`--break ${last.file}:${last.line} has two --when conditions`);
      last.condition = nonEmpty('--when', token.value);
    }
  }
  if (values.attach && program?.length) throw new UsageError('--attach debugs a process already running in the target: give no program after --');
  if (!values.attach && !program?.length) throw new UsageError('missing program: give it after --, e.g. -- node app.js');
  if (!values.attach && (values['process-id'] ?? values['local-root'] ?? values['remote-root']) !== undefined) throw new UsageError('--process-id, --local-root and --remote-root go with --attach');
  if ((values['local-root'] === undefined) !== (values['remote-root'] === undefined)) throw new UsageError('--local-root and --remote-root go together');
  if (!values.target && !values.config) throw new UsageError('missing --target (or a --config file that sets target)');
  if (!breakpoints.length) throw new UsageError('missing --break FILE:LINE (or --log FILE:LINE:MESSAGE)');
  const prints = (values.print ?? []).map((p) => nonEmpty('--print', p));
  if (!prints.length && !values['non-breaking'] && breakpoints.some((b) => b.logMessage === undefined)) {
    throw new UsageError('missing --print EXPR: what to print when a breakpoint hits');
  }
  return {
    target: values.target === undefined ? undefined : nonEmpty('--target', values.target),
    configFile: values.config,
    cwd: values.cwd,
    env: parseEnv(values.env ?? []),
    breakpoints,
    prints,
    count: values.count === undefined ? undefined : positiveInteger('--count', values.count),
    timeoutSeconds: values.timeout === undefined ? undefined : positiveNumber('--timeout', values.timeout),
    json: values.json ?? false,
    trace: parseTrace(values.trace ?? []),
    ...(values.attach ? {
      attach: {
        debugger: values.debugger ?? 'node',
        ...(values['process-id'] !== undefined ? { processId: positiveInteger('--process-id', values['process-id']) } : {}),
        ...(values['local-root'] !== undefined ? { localRoot: values['local-root'], remoteRoot: values['remote-root'] } : {}),
      },
    } : { launch: programLaunch(program ?? [], values.debugger, debuggerKinds) }),
    ...(values.replay !== undefined ? { replay: parseReplay(values.replay) } : {}),
    ...(values['non-breaking'] ? { nonBreaking: true } : {}),
  };
}

/** `FILE[#ID[,ID…]]`; the file is made absolute, as kmirror-dap resolves it from its own directory. */
export function parseReplay(value: string): { file: string; ids: string[] | 'all' } {
  const hash = value.lastIndexOf('#');
  const file = nonEmpty('--replay', hash < 0 ? value : value.slice(0, hash));
  const ids = hash < 0 ? [] : value.slice(hash + 1).split(',').map((s) => s.trim()).filter(Boolean);
  if (hash >= 0 && ids.length === 0) throw new UsageError(`--replay expects FILE or FILE#ID[,ID…], got "${value}"`);
  return { file: resolvePath(file), ids: ids.length ? ids : 'all' };
}

function parseLocation(flag: string, value: string): BreakpointSpec {
  const m = /^(.+):(\d+)$/.exec(value);
  if (!m?.[1] || !m[2] || Number(m[2]) < 1) {
    throw new UsageError(`${flag} expects FILE:LINE with a line number >= 1, got "${value}"`);
  }
  return { file: m[1], line: Number(m[2]) };
}

function parseLogpoint(value: string): BreakpointSpec {
  const m = /^(.+?):(\d+):(.+)$/s.exec(value);
  if (!m?.[1] || !m[2] || !m[3] || Number(m[2]) < 1) {
    throw new UsageError(`--log expects FILE:LINE:MESSAGE, got "${value}"`);
  }
  return { file: m[1], line: Number(m[2]), logMessage: m[3] };
}

function parseEnv(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env expects NAME=VALUE, got "${pair}"`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

function nonEmpty(flag: string, value: string | undefined): string {
  if (!value?.trim()) throw new UsageError(`${flag} needs a non-empty value`);
  return value;
}

function positiveInteger(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} expects a whole number >= 1, got "${value}"`);
  return Number(value);
}

function positiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) throw new UsageError(`${flag} expects a number of seconds > 0, got "${value}"`);
  return n;
}

/** `--trace dns --trace tcp` or `--trace dns,tcp`; the gadget names are checked by kmirror-dap. */
function parseTrace(values: readonly string[]): string[] {
  const gadgets = values.flatMap((v) => v.split(',')).map((g) => g.trim());
  if (gadgets.some((g) => !g)) throw new UsageError('--trace expects gadget names (tcp, dns, exec, open), e.g. --trace dns,tcp');
  return [...new Set(gadgets)];
}
