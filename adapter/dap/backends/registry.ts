// The registered debugger backends, by kind, in the order they are tried when the config names no
// debugger (the order matters only for claims: lldb claims any ELF executable, so it comes after
// Go). Everything else that lists debuggers derives from here: the launch field `debugger` and
// its JSON Schema enum, the validation message, `kmirror-dap run --debugger`. The composition
// root (../main.ts) hands BACKENDS to the server. Adding a runtime: its kind below, its backend in
// BACKEND_OF (the compiler insists on both, and on the backend declaring that kind).
import type { DebugBackend } from './backend.js';
import { dlvBackend } from './dlv/dlv-backend.js';
import { debugpyBackend } from './debugpy/debugpy-backend.js';
import { nodeBackend } from './node/node-backend.js';
import { lldbBackend } from './lldb/lldb-backend.js';
import { netcoredbgBackend } from './netcoredbg/netcoredbg-backend.js';

// A literal tuple, so that the JSON Schema generator reads the kinds straight from this type.
export const DEBUGGER_KINDS = ['go', 'python', 'node', 'lldb', 'dotnet'] as const;

/** The debuggers kmirror-dap can drive. */
export type DebuggerKind = (typeof DEBUGGER_KINDS)[number];

const BACKEND_OF: { readonly [K in DebuggerKind]: DebugBackend<K> } = {
  go: dlvBackend,
  python: debugpyBackend,
  node: nodeBackend,
  lldb: lldbBackend,
  dotnet: netcoredbgBackend,
};

export const BACKENDS: readonly DebugBackend<DebuggerKind>[] = DEBUGGER_KINDS.map((kind) => BACKEND_OF[kind]);
