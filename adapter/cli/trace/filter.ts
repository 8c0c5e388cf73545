// `kmirror trace --filter EXPR`: parsing and matching. An expression is one or more terms joined by
// commas (repeated --filter flags add more terms); all terms must hold for an event to be shown.
//   KEY=VALUE   equal (numbers compare as numbers, text exactly)     pid=123  comm=curl  port=80
//   KEY!=VALUE  not equal
//   KEY~REGEX   the field matches the JavaScript regular expression  name~^web\.
//   KEY!~REGEX  the field does not match it
// A bad expression is a FilterError naming the column where it went wrong, with a caret line.
import { UsageError } from '#sdk/headless/usage-error.js';
import type { TraceFilter } from '#runtime/trace/trace-client.js';
import { FILTER_KEYS, type FilterKey, type FilterKeySpec } from './filter-keys.js';

export type FilterOp = '=' | '!=' | '~' | '!~';

export interface FilterTerm {
  key: FilterKey;
  op: FilterOp;
  /** The text after the operator. */
  value: string;
  /** Set for numeric keys with = / !=. */
  number?: number;
  /** Set for ~ and !~. */
  regex?: RegExp;
}

/** A bad --filter: `message` names the 1-based column; `excerpt` is the text with a caret under it. */
export class FilterError extends UsageError {
  constructor(readonly expression: string, readonly column: number, readonly reason: string) {
    super(`--filter: bad filter "${expression}" at column ${column}: ${reason}\n  ${expression}\n  ${' '.repeat(Math.max(0, column - 1))}^`);
  }
}

const KEY_PATTERN = /^[a-z][a-z0-9_]*/;

function splitTerms(expression: string): Array<{ text: string; start: number }> {
  const terms: Array<{ text: string; start: number }> = [];
  let start = 0;
  // A comma inside a regex would end the term: `\,` keeps it (the backslash is dropped).
  let text = '';
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === '\\' && expression[i + 1] === ',') { text += ','; i++; continue; }
    if (c === ',') { terms.push({ text, start }); text = ''; start = i + 1; continue; }
    text += c;
  }
  terms.push({ text, start });
  return terms;
}

function parseTerm(expression: string, text: string, start: number): FilterTerm {
  const col = (offset: number): number => start + offset + 1;
  const leading = text.length - text.trimStart().length;
  const body = text.trim();
  if (!body) throw new FilterError(expression, col(leading), `empty term: expected KEY=VALUE, KEY!=VALUE, KEY~REGEX or KEY!~REGEX (keys: ${Object.keys(FILTER_KEYS).join(', ')})`);
  const keyMatch = KEY_PATTERN.exec(body);
  if (!keyMatch) throw new FilterError(expression, col(leading), `expected a key (${Object.keys(FILTER_KEYS).join(', ')})`);
  const key = keyMatch[0];
  if (!Object.hasOwn(FILTER_KEYS, key)) {
    throw new FilterError(expression, col(leading), `unknown key "${key}"; keys: ${Object.keys(FILTER_KEYS).join(', ')}`);
  }
  const rest = body.slice(key.length);
  const op = (['!~', '!=', '=', '~'] as const).find((o) => rest.startsWith(o));
  if (!op) throw new FilterError(expression, col(leading + key.length), `expected =, !=, ~ or !~ after "${key}"`);
  const valueOffset = leading + key.length + op.length;
  const value = rest.slice(op.length);
  if (!value) throw new FilterError(expression, col(valueOffset), `missing value after "${key}${op}"`);
  const spec: FilterKeySpec = FILTER_KEYS[key as FilterKey];
  const term: FilterTerm = { key: key as FilterKey, op, value };
  if (op === '~' || op === '!~') {
    try {
      term.regex = new RegExp(value);
    } catch (err) {
      throw new FilterError(expression, col(valueOffset), `bad regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
    }
  } else if (spec.type === 'number') {
    if (!/^\d+$/.test(value)) throw new FilterError(expression, col(valueOffset), `${key} expects a whole number, got "${value}"`);
    term.number = Number(value);
    if (spec.max !== undefined && term.number > spec.max) throw new FilterError(expression, col(valueOffset), `${key} must be at most ${spec.max}, got ${value}`);
  }
  return term;
}

/** Parses one --filter argument into its terms; throws FilterError. */
export function parseFilter(expression: string): FilterTerm[] {
  return splitTerms(expression).map(({ text, start }) => parseTerm(expression, text, start));
}

/** Parses every --filter flag; the terms of all of them must hold. */
export function parseFilters(expressions: readonly string[]): FilterTerm[] {
  return expressions.flatMap(parseFilter);
}

function termHolds(term: FilterTerm, values: ReadonlyArray<string | number>): boolean {
  // A negated term holds when no value of the event matches; a positive one when any does.
  const matchOne = (v: string | number): boolean => {
    if (term.regex) return term.regex.test(String(v));
    if (term.number !== undefined) return Number(v) === term.number;
    return String(v) === term.value;
  };
  const any = values.some(matchOne);
  return term.op === '!=' || term.op === '!~' ? !any : any;
}

/**
 * True when the event passes every term. A positive term on a field the event does not have
 * (e.g. `port=80` on an exec event) fails, so a filter narrows every gadget's stream.
 */
export function matchesFilter(terms: readonly FilterTerm[], event: Readonly<Record<string, unknown>>): boolean {
  return terms.every((term) => termHolds(term, FILTER_KEYS[term.key].values(event)));
}

/**
 * The part of the terms the agent can apply in the kernel (TraceFilter: pids, comm, ports): single
 * `=` terms on pid, comm and port. Everything is still matched here too, so this only saves work.
 */
export function kernelFilter(terms: readonly FilterTerm[]): Partial<TraceFilter> {
  const single = (key: FilterKey): FilterTerm | undefined => {
    const on = terms.filter((t) => t.key === key);
    return on.length === 1 && on[0]!.op === '=' ? on[0] : undefined;
  };
  const out: Partial<TraceFilter> = {};
  const pid = single('pid');
  if (pid?.number !== undefined) out.pids = [pid.number];
  const comm = single('comm');
  if (comm) out.comm = comm.value;
  const port = single('port');
  if (port?.number !== undefined) out.ports = [port.number];
  return out;
}
