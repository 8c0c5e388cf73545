// The `kmirror` launch/attach configuration: its TypeScript type (the source of the generated
// JSON Schema, so every field carries a description) and validation that names the bad field.
// Fields not listed here are debugger-specific (e.g. dlv `buildFlags`, debugpy `justMyCode`)
// and pass through to the backend unchanged.
import type { KmirrorConfigRef } from './kmirror-config-ref.js';
import { DapError } from './errors.js';
import { previewJson } from '#sdk/protocol/bounded-format.js';

/** The debuggers kmirror-dap can drive. */
export type DebuggerKind = 'go' | 'python' | 'node' | 'lldb' | 'dotnet';
export const DEBUGGER_KINDS: readonly DebuggerKind[] = ['go', 'python', 'node', 'lldb', 'dotnet'];

/** A `kmirror` debug configuration (VS Code `launch.json` entry, nvim-dap/dap-mode/dape config). */
export interface KmirrorLaunchConfig {
  /** Debug type; always "kmirror". */
  type?: 'kmirror';
  /** "launch" starts the program; "attach" attaches to a running one (processId, or port for Node/dlv). */
  request: 'launch' | 'attach';
  /** Name shown by the editor. */
  name?: string;
  /** Where the program's network, DNS, files and env come from: pod/NAME, deploy/NAME, pid/N, netns/NAME, targetless. Overrides `kmirror-dap --target`. */
  target?: string;
  /** Which debugger to use; chosen from the program when omitted (.py → python, .js/.ts → node, .dll → dotnet, Go binary or package → go, other executables → lldb). */
  debugger?: DebuggerKind;
  /** Program to debug: an executable, a script, or (Go) a package directory or main .go file. */
  program?: string;
  /** Command-line arguments for the program. */
  args?: string[];
  /** Working directory of the program (default: the program's directory). */
  cwd?: string;
  /** Environment variables for the program; they override the target's environment. */
  env?: Record<string, string>;
  /** Stop at the program's entry point. */
  stopOnEntry?: boolean;
  /** Where the program's output goes: the debug console, or a terminal of the editor (runInTerminal). */
  console?: 'internalConsole' | 'integratedTerminal' | 'externalTerminal';
  /** Attach: the process id of a running program. */
  processId?: number;
  /** Attach: host of a running debug server (Node inspector, headless dlv). */
  host?: string;
  /** Attach: port of a running debug server (Node inspector, headless dlv). */
  port?: number;
  /** Path of the debugger executable, when it is not found on PATH. */
  debuggerPath?: string;
  /** kmirror settings (same keys as .kmirror.json); merged over `configFile`. */
  kmirror?: KmirrorConfigRef;
  /** Path of a kmirror config file (.kmirror.json or mirrord.json). */
  configFile?: string;
  /** How long to wait for the agent and the tunnel before failing the launch (ms, default 30000). */
  targetTimeoutMs?: number;
}

type FieldCheck = (value: unknown) => boolean;
const isString: FieldCheck = (v) => typeof v === 'string';
const nonEmptyString: FieldCheck = (v) => typeof v === 'string' && v.length > 0;
const isBool: FieldCheck = (v) => typeof v === 'boolean';
const isObject: FieldCheck = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const positiveInt: FieldCheck = (v) => Number.isInteger(v) && (v as number) > 0;

const FIELD_CHECKS: Record<string, { check: FieldCheck; expected: string }> = {
  type: { check: (v) => v === 'kmirror', expected: '"kmirror"' },
  name: { check: isString, expected: 'a string' },
  target: { check: nonEmptyString, expected: 'a target string such as pod/NAME, pid/N or netns/NAME' },
  debugger: { check: (v) => DEBUGGER_KINDS.includes(v as DebuggerKind), expected: `one of ${DEBUGGER_KINDS.join(', ')}` },
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
};

/** Checks the fields kmirror-dap knows; throws BAD_LAUNCH_FIELD naming the first bad one. */
export function validateLaunchConfig(request: 'launch' | 'attach', raw: Record<string, unknown>): KmirrorLaunchConfig {
  for (const [field, { check, expected }] of Object.entries(FIELD_CHECKS)) {
    const value = raw[field];
    if (value !== undefined && !check(value)) {
      throw new DapError('BAD_LAUNCH_FIELD', `invalid launch configuration field "${field}": expected ${expected}, got ${previewJson(value)}`);
    }
  }
  if (request === 'launch' && raw.program === undefined) {
    throw new DapError('BAD_LAUNCH_FIELD', 'launch configuration field "program" is required: the program to debug');
  }
  if (request === 'attach' && raw.processId === undefined && raw.port === undefined) {
    throw new DapError('BAD_LAUNCH_FIELD', 'attach configuration needs field "processId" (a running process) or "port" (a debug server)');
  }
  return { ...raw, request } as KmirrorLaunchConfig;
}

/** Launch fields kmirror-dap itself consumes; the rest pass through to the debugger. */
export const KMIRROR_FIELDS = new Set([...Object.keys(FIELD_CHECKS), 'request', '__sessionId', '__configurationTarget', 'noDebug', '__restart']);

/** The debugger-specific fields of a config (those kmirror-dap does not interpret). */
export function passThroughFields(config: KmirrorLaunchConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([k]) => !KMIRROR_FIELDS.has(k)));
}
