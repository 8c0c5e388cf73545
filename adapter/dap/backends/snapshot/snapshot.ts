// A snapshot (launch field `nonBreaking`): what a breakpoint would have shown — the stack, the
// locals and arguments of the top frame — captured with bounded size, sent as an `output` event
// whose `data` is the structured record, while the program goes on. Shared by the generic DAP
// capture (snapshot-sink.ts, any backend) and the Node bridge's CDP fast path.
import { basename } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';

export const SNAPSHOT_KIND = 'kmirror/snapshot';

/** Bounds that keep one snapshot's pause short and its event small. */
export const SNAPSHOT_LIMITS = {
  frames: 20,
  scopes: 3,
  variablesPerScope: 50,
  /** Variables whose members are listed (one level deep). */
  expandedVariables: 10,
  childrenPerVariable: 20,
  valueChars: 200,
} as const;

export interface SnapshotVariable {
  name: string;
  value: string;
  type?: string;
  /** Members, one level deep (absent for scalars or beyond the bounds). */
  children?: SnapshotVariable[];
}

export interface SnapshotScope {
  name: string;
  variables: SnapshotVariable[];
  /** True when the scope had more variables than the bound. */
  truncated?: boolean;
}

export interface SnapshotFrame {
  name: string;
  path?: string;
  line: number;
  column?: number;
}

export interface SnapshotBody {
  kind: typeof SNAPSHOT_KIND;
  /** 1, 2, … per session. */
  seq: number;
  threadId: number;
  /** The breakpoint's place: the top frame. */
  path?: string;
  line: number;
  function: string;
  stack: SnapshotFrame[];
  totalFrames?: number;
  /** Scopes of the top frame (locals, arguments, closure), expensive ones (globals) left out. */
  scopes: SnapshotScope[];
  /** How long the program was held for this snapshot (ms): measured by kmirror-dap, or for `node-condition` inside the program. */
  pauseMs: number;
  /**
   * `dap`: stackTrace/scopes/variables then continue; `node-cdp`: read and resumed in one turn of the inspector;
   * `node-condition`: read inside the program by the breakpoint's condition, which never pauses (Node, after the first hit).
   */
  capture: 'dap' | 'node-cdp' | 'node-condition';
  /** ISO time of the hit. */
  time: string;
}

export function clip(text: string): string {
  return text.length > SNAPSHOT_LIMITS.valueChars ? `${text.slice(0, SNAPSHOT_LIMITS.valueChars - 1)}…` : text;
}

export function frameOf(f: DebugProtocol.StackFrame): SnapshotFrame {
  return { name: f.name, ...(f.source?.path ? { path: f.source.path } : f.source?.name ? { path: f.source.name } : {}), line: f.line, ...(f.column ? { column: f.column } : {}) };
}

/** `snapshot #3 at server.js:8 in handler (paused 0.42 ms): greeting="hello", served=2` */
export function formatSnapshotLine(s: SnapshotBody): string {
  const where = `${s.path ? basename(s.path) : '?'}:${s.line}`;
  const vars = s.scopes.flatMap((scope) => scope.variables).slice(0, 12).map((v) => `${v.name}=${v.value}`);
  return `snapshot #${s.seq} at ${where} in ${s.function} (paused ${s.pauseMs.toFixed(2)} ms)${vars.length ? `: ${vars.join(', ')}` : ''}\n`;
}

/** The DAP `output` event body carrying a snapshot: a readable line, the record in `data`. */
export function snapshotOutput(s: SnapshotBody): DebugProtocol.OutputEvent['body'] {
  return {
    category: 'console', output: formatSnapshotLine(s), data: s,
    ...(s.path ? { source: { name: basename(s.path), path: s.path }, line: s.line } : {}),
  };
}

/** True when an `output` event body carries a snapshot (for clients: `kmirror-dap run`, tests). */
export function isSnapshotOutput(data: unknown): data is SnapshotBody {
  return typeof data === 'object' && data !== null && (data as { kind?: unknown }).kind === SNAPSHOT_KIND;
}
