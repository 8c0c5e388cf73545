// Stack frames and scopes of a paused Node program, mapped through source maps to original
// sources. Frame ids are 1-based indexes into the current pause's call frames.
import { basename } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ScriptRegistry } from './scripts.js';
import { originalFor } from './source-maps.js';
import type { VariableStore } from './variables.js';
import type { RemoteObject } from './remote-object.js';

export interface CallFrame {
  callFrameId: string;
  functionName: string;
  location: { scriptId: string; lineNumber: number; columnNumber?: number };
  url: string;
  scopeChain: Array<{ type: string; name?: string; object: RemoteObject }>;
}

const SCOPE_NAMES: Record<string, string> = { local: 'Locals', block: 'Block', closure: 'Closure', global: 'Global', module: 'Module', script: 'Script', catch: 'Catch', with: 'With', eval: 'Eval' };

/** Where a frame is in source terms: original source when mapped, else the script (or a sourceReference). */
export function frameLocation(frame: CallFrame, scripts: ScriptRegistry): { source: DebugProtocol.Source; line: number; column: number } {
  const script = scripts.get(frame.location.scriptId);
  const line = frame.location.lineNumber + 1;
  const column = frame.location.columnNumber ?? 0;
  const original = script?.map ? originalFor(script.map, line, column) : undefined;
  if (original) return { source: { name: basename(original.path), path: original.path }, line: original.line, column: original.column + 1 };
  if (script?.path) return { source: { name: basename(script.path), path: script.path }, line, column: column + 1 };
  const url = script?.url || frame.url || '<anonymous>';
  return { source: { name: url, sourceReference: scripts.sourceReference(frame.location.scriptId), presentationHint: 'deemphasize' }, line, column: column + 1 };
}

export function stackTrace(frames: CallFrame[], args: DebugProtocol.StackTraceArguments, scripts: ScriptRegistry): DebugProtocol.StackTraceResponse['body'] {
  const start = args.startFrame ?? 0;
  const end = args.levels ? start + args.levels : frames.length;
  return {
    totalFrames: frames.length,
    stackFrames: frames.slice(start, end).map((f, i) => ({ id: start + i + 1, name: f.functionName || '(anonymous)', ...frameLocation(f, scripts) })),
  };
}

export function scopes(frame: CallFrame, variables: VariableStore): DebugProtocol.Scope[] {
  return frame.scopeChain.map((s, scopeNumber) => ({
    name: SCOPE_NAMES[s.type] ?? s.type,
    presentationHint: s.type === 'local' ? 'locals' : undefined,
    variablesReference: variables.scopeRef(s.object.objectId ?? '', frame.callFrameId, scopeNumber),
    expensive: s.type === 'global',
  }));
}
