// Pure helpers for breakpoint bookkeeping: grouping requested breakpoints per source file (DAP sets
// them file by file) and telling which requested breakpoints a stop belongs to.
import { isAbsolute, resolve } from 'node:path';
import type { BreakpointSpec, BreakpointState } from './types.js';

/** Groups breakpoints by absolute file path (relative paths resolve against `cwd`), keeping order. */
export function groupByFile(specs: readonly BreakpointSpec[], cwd = process.cwd()): Map<string, BreakpointSpec[]> {
  const byFile = new Map<string, BreakpointSpec[]>();
  for (const spec of specs) {
    const file = isAbsolute(spec.file) ? spec.file : resolve(cwd, spec.file);
    const list = byFile.get(file) ?? [];
    list.push(spec);
    byFile.set(file, list);
  }
  return byFile;
}

/** The requested breakpoints a stop hit: by the adapter's ids when given, else by file and line. */
export function matchStopBreakpoints(
  states: readonly BreakpointState[],
  hitIds: readonly number[] | undefined,
  file: string | undefined,
  line: number | undefined,
): BreakpointSpec[] {
  if (hitIds?.length) {
    const byId = states.filter((s) => s.id !== undefined && hitIds.includes(s.id));
    if (byId.length) return byId.map((s) => s.spec);
  }
  if (file === undefined || line === undefined) return [];
  return states
    .filter((s) => (s.line ?? s.spec.line) === line && sameFile(s.spec.file, file))
    .map((s) => s.spec);
}

function sameFile(requested: string, stopped: string): boolean {
  return isAbsolute(requested) ? requested === stopped : stopped.endsWith(`/${requested.replace(/^\.\//, '')}`);
}
