// Formats what `kmirror-dap run` prints: one record per breakpoint hit and one closing record,
// as readable text or as JSON lines (`--json`, one object per line, stable field names).
import { relative } from 'node:path';

export interface EvaluatedValue {
  expression: string;
  value?: string;
  error?: string;
}

export interface HitRecord {
  hit: number;
  file?: string;
  line?: number;
  function?: string;
  values: EvaluatedValue[];
}

export type EndReason = 'exited' | 'count' | 'timeout' | 'terminated' | 'interrupted' | 'error';

export interface EndRecord {
  reason: EndReason;
  exitCode: number;
  hits: number;
  /** The program's own exit code, when it exited by itself. */
  programExitCode?: number;
  message?: string;
}

/** `hit 2 at app.py:12 in handler` followed by one `  expr = value` line per --print. */
export function formatHitText(rec: HitRecord, cwd: string): string {
  const where = rec.file ? `${displayPath(rec.file, cwd)}:${rec.line ?? '?'}` : 'unknown location';
  const lines = [`hit ${rec.hit} at ${where}${rec.function ? ` in ${rec.function}` : ''}`];
  for (const v of rec.values) {
    lines.push(v.error === undefined ? `  ${v.expression} = ${v.value ?? ''}` : `  ${v.expression} !! ${v.error}`);
  }
  return lines.join('\n') + '\n';
}

/** `{"event":"hit","hit":1,"file":...,"line":...,"function":...,"values":{expr:value},"errors":{expr:message}}` */
export function formatHitJson(rec: HitRecord): string {
  const values: Record<string, string> = {};
  const errors: Record<string, string> = {};
  for (const v of rec.values) {
    if (v.error === undefined) values[v.expression] = v.value ?? '';
    else errors[v.expression] = v.error;
  }
  const out: Record<string, unknown> = { event: 'hit', hit: rec.hit, file: rec.file, line: rec.line, function: rec.function, values };
  if (Object.keys(errors).length) out.errors = errors;
  return JSON.stringify(out) + '\n';
}

/** The `output` category of kmirror-dap's trace events (launch field `trace`). */
export const TRACE_CATEGORY = 'kmirror-trace';

/** `{"event":"trace","gadget":"dns",...}`: the trace event's structured body as one JSON line. */
export function formatTraceJson(data: unknown): string {
  const body = typeof data === 'object' && data !== null && !Array.isArray(data) ? data : { value: data };
  return JSON.stringify({ event: 'trace', ...body }) + '\n';
}

/** An output event's data that is a snapshot (kmirror-dap's launch field `nonBreaking`). */
export function isSnapshot(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && (data as { kind?: unknown }).kind === 'kmirror/snapshot';
}

/** `{"event":"snapshot","seq":1,"path":...,"line":...,"scopes":[...],"pauseMs":...}`: the record as one JSON line. */
export function formatSnapshotJson(data: unknown): string {
  const { kind: _kind, ...record } = data as Record<string, unknown>;
  return JSON.stringify({ event: 'snapshot', ...record }) + '\n';
}

/** The closing line: `{"event":"end",...}` with --json, else a sentence for stderr. */
export function formatEnd(rec: EndRecord, json: boolean): string {
  if (json) return JSON.stringify({ event: 'end', ...rec }) + '\n';
  const hits = `${rec.hits} hit${rec.hits === 1 ? '' : 's'}`;
  switch (rec.reason) {
    case 'exited':
      return `kmirror-dap run: program exited with code ${rec.exitCode} after ${hits}\n`;
    case 'count':
      return `kmirror-dap run: stopped the program after ${hits} (--count)\n`;
    case 'timeout':
      return `kmirror-dap run: stopped the program at the --timeout after ${hits} (exit ${rec.exitCode})\n`;
    case 'interrupted':
      return `kmirror-dap run: interrupted after ${hits}\n`;
    case 'terminated':
      return `kmirror-dap run: the debug session ended after ${hits} without an exit code\n`;
    case 'error':
      return `kmirror-dap run: ${rec.message ?? 'failed'}\n`;
  }
}

function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') ? rel : file;
}
