// The `kmirror` launch/attach configuration: its TypeScript type (the source of the generated
// JSON Schema, so every field carries a description) and validation that names the bad field.
// Fields not listed here are debugger-specific (e.g. dlv `buildFlags`, debugpy `justMyCode`)
// and pass through to the backend unchanged (passThroughFields in ../backends/contract.ts).
import type { BackendLaunchConfig, LaunchField } from '../backends/contract.js';
import type { DebuggerKind } from '../backends/registry.js';
import type { KmirrorConfigRef } from './kmirror-config-ref.js';
import { DapError } from '../common/errors.js';
import { previewJson } from '#sdk/protocol/bounded-format.js';
import { TRACE_GADGETS, isTraceGadget, type TraceGadget } from '#proto/runtime/trace-gadgets.js';

/** A `kmirror` debug configuration (VS Code `launch.json` entry, nvim-dap/dap-mode/dape config). */
export interface KmirrorLaunchConfig extends BackendLaunchConfig {
  /** Which debugger to use; chosen from the program when omitted (.py → python, .js/.ts → node, .dll → dotnet, Go binary or package → go, other executables → lldb). */
  debugger?: DebuggerKind;
  /** kmirror settings (same keys as .kmirror.json); merged over `configFile`. */
  kmirror?: KmirrorConfigRef;
  /** Trace gadgets whose events from the target stream into the debug console while the session runs (output events, category "kmirror-trace", with the event as `data`): tcp (connect, accept, close), dns (queries and answers), exec (process starts), open (file opens). Needs a target whose agent has the "trace" capability. */
  trace?: TraceGadget[];
  /** Where trace events go: "debugConsole" (default: `output` events, category "kmirror-trace") or "event" (only `kmirror/trace` events, for a client that shows them itself; the VS Code extension sets this and shows them in its "kmirror trace" output channel). */
  traceOutput?: 'debugConsole' | 'event';
  /** How long kmirror-dap waits for the debugger to answer a request (ms). Default 30000, an `evaluate` from the debug console 120000; launch and attach wait at least 300000. When it passes, kmirror-dap answers the request itself with an error naming the debugger and the command (the debugger may be deadlocked), tells the user once, and drops the debugger's late answer. */
  answerTimeoutMs?: number;
}


type FieldCheck = (value: unknown) => boolean;
const isString: FieldCheck = (v) => typeof v === 'string';
const nonEmptyString: FieldCheck = (v) => typeof v === 'string' && v.length > 0;
const isBool: FieldCheck = (v) => typeof v === 'boolean';
const isObject: FieldCheck = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const positiveInt: FieldCheck = (v) => Number.isInteger(v) && (v as number) > 0;

/** Node's timers fire at once beyond this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The rule of every field kmirror-dap interprets, in the order they are checked. */
function fieldChecks(debuggerKinds: readonly string[]): Record<Exclude<LaunchField, 'request'>, { check: FieldCheck; expected: string }> {
  return {
    type: { check: (v) => v === 'kmirror', expected: '"kmirror"' },
    name: { check: isString, expected: 'a string' },
    target: { check: nonEmptyString, expected: 'a target string such as pod/NAME, pid/N or netns/NAME' },
    debugger: { check: (v) => debuggerKinds.includes(v as string), expected: `one of ${debuggerKinds.join(', ')}` },
    program: { check: nonEmptyString, expected: 'a non-empty path' },
    args: { check: (v) => Array.isArray(v) && v.every(isString), expected: 'an array of strings' },
    cwd: { check: nonEmptyString, expected: 'a directory path' },
    env: { check: (v) => isObject(v) && Object.values(v as object).every((x) => typeof x === 'string'), expected: 'an object of string values' },
    stopOnEntry: { check: isBool, expected: 'true or false' },
    console: { check: (v) => ['internalConsole', 'integratedTerminal', 'externalTerminal'].includes(v as string), expected: 'internalConsole, integratedTerminal or externalTerminal' },
    processId: { check: positiveInt, expected: 'a process id (positive integer)' },
    host: { check: nonEmptyString, expected: 'a host name or address' },
    port: { check: (v) => positiveInt(v) && (v as number) < 65536, expected: 'a TCP port (1-65535)' },
    debuggerPath: { check: nonEmptyString, expected: 'a path to the debugger executable' },
    kmirror: { check: isObject, expected: 'an object with kmirror settings' },
    configFile: { check: nonEmptyString, expected: 'a path to a kmirror config file' },
    targetTimeoutMs: { check: positiveInt, expected: 'a positive number of milliseconds' },
    trace: {
      check: (v) => Array.isArray(v) && v.length > 0 && v.every((g) => isTraceGadget(String(g))) && new Set(v).size === v.length,
      expected: `a non-empty list of distinct trace gadgets from ${TRACE_GADGETS.join(', ')}`,
    },
    traceOutput: { check: (v) => v === 'debugConsole' || v === 'event', expected: '"debugConsole" or "event"' },
    localRoot: { check: nonEmptyString, expected: 'a directory path of the checkout' },
    remoteRoot: { check: nonEmptyString, expected: 'a directory path inside the container' },
    nonBreaking: { check: isBool, expected: 'true or false' },
    followRestarts: { check: isBool, expected: 'true or false' },
    answerTimeoutMs: { check: (v) => positiveInt(v) && (v as number) <= MAX_TIMER_MS, expected: `a positive number of milliseconds (at most ${MAX_TIMER_MS})` },
  };
}

/**
 * Checks the fields kmirror-dap knows; throws BAD_LAUNCH_FIELD naming the first bad one.
 * `debuggerKinds` are those of the backends the server was given.
 */
export function validateLaunchConfig(request: 'launch' | 'attach', raw: Record<string, unknown>, debuggerKinds: readonly string[]): KmirrorLaunchConfig {
  for (const [field, { check, expected }] of Object.entries(fieldChecks(debuggerKinds))) {
    const value = raw[field];
    if (value !== undefined && !check(value)) {
      throw new DapError('BAD_LAUNCH_FIELD', `invalid launch configuration field "${field}": expected ${expected}, got ${previewJson(value)}`);
    }
  }
  if (request === 'launch' && raw.program === undefined) {
    throw new DapError('BAD_LAUNCH_FIELD', 'launch configuration field "program" is required: the program to debug');
  }
  // A target may also come from the settings (`kmirror`, `configFile`); a missing one is then reported as such.
  if (request === 'attach' && [raw.processId, raw.port, raw.target, raw.kmirror, raw.configFile].every((v) => v === undefined)) {
    throw new DapError('BAD_LAUNCH_FIELD', 'attach configuration needs field "processId" (a running process), "port" (a debug server) or "target" (the main process of a pod or pid/N)');
  }
  if (request === 'launch' && raw.followRestarts !== undefined) {
    throw new DapError('BAD_LAUNCH_FIELD', 'launch configuration field "followRestarts" is for "request": "attach" (a process in a pod); a launched program is started by kmirror-dap itself');
  }
  if ((raw.localRoot === undefined) !== (raw.remoteRoot === undefined)) {
    throw new DapError('BAD_LAUNCH_FIELD', `launch configuration field "${raw.localRoot === undefined ? 'localRoot' : 'remoteRoot'}" is required with "${raw.localRoot === undefined ? 'remoteRoot' : 'localRoot'}": the two map sources together`);
  }
  return { ...raw, request } as KmirrorLaunchConfig;
}
