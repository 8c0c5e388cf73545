// mirrord's http_filter semantics over one parsed request: header_filter (regex over each
// "Name: value" line), path_filter (regex over the path, query included), method_filter (regex
// over the method), all_of / any_of nesting. All three are case-insensitive, as mirrord's
// (it compiles "(?i)pattern"): header names are case-insensitive in HTTP, and Go's client
// sends "X-Filter" for a filter written "x-filter: yes". Every field that is set must
// match. Compiled once per subscription; invalid patterns are refused naming the pattern and the position.
import { RegExpValidator } from '@eslint-community/regexpp';
import { KmError } from '#proto/runtime/km-error.js';
import type { HttpFilter } from '../service.js';

export interface RequestHead {
  method: string;
  /** The request target as sent ("/api/x?y=1"). */
  url: string;
  /** Raw header pairs in order: [name, value, name, value, ...]. */
  rawHeaders: string[];
}

export type RequestMatcher = (req: RequestHead) => boolean;

export class HttpFilterError extends KmError<'agent'> {
  override name = 'HttpFilterError' as const;
  constructor(message: string) {
    super('agent', 'INVALID_HTTP_FILTER', message);
  }
}

// regexpp reports where a pattern breaks (RegExp's own error does not); RegExp still compiles it.
const validator = new RegExpValidator();

/** Case-insensitive, as every http_filter field is in mirrord. */
function compile(pattern: string, field: string): RegExp {
  try {
    validator.validatePattern(pattern, 0, pattern.length, { unicode: false });
  } catch (err) {
    const at = (err as { index?: number }).index;
    const why = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    throw new HttpFilterError(`${field}: invalid pattern ${JSON.stringify(pattern)}${at === undefined ? '' : ` at position ${at}`}: ${why}`);
  }
  try {
    return new RegExp(pattern, 'i');
  } catch (err) {
    throw new HttpFilterError(`${field}: invalid pattern ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
}

/** Compiles a filter; throws HttpFilterError naming the bad field. An empty filter matches nothing. */
export function compileHttpFilter(filter: HttpFilter, path = 'http_filter'): RequestMatcher {
  const parts: RequestMatcher[] = [];
  if (filter.headerFilter !== undefined && filter.headerFilter !== '') {
    const re = compile(filter.headerFilter, `${path}.header_filter`);
    parts.push((req) => {
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) if (re.test(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)) return true;
      return false;
    });
  }
  if (filter.pathFilter !== undefined && filter.pathFilter !== '') {
    const re = compile(filter.pathFilter, `${path}.path_filter`);
    parts.push((req) => re.test(req.url));
  }
  if (filter.methodFilter !== undefined && filter.methodFilter !== '') {
    const re = compile(filter.methodFilter, `${path}.method_filter`);
    parts.push((req) => re.test(req.method));
  }
  if (filter.allOf && filter.allOf.length > 0) {
    const subs = filter.allOf.map((f, i) => compileHttpFilter(f, `${path}.all_of[${i}]`));
    parts.push((req) => subs.every((m) => m(req)));
  }
  if (filter.anyOf && filter.anyOf.length > 0) {
    const subs = filter.anyOf.map((f, i) => compileHttpFilter(f, `${path}.any_of[${i}]`));
    parts.push((req) => subs.some((m) => m(req)));
  }
  if (parts.length === 0) throw new HttpFilterError(`${path}: empty filter (set header_filter, path_filter, method_filter, all_of or any_of)`);
  return (req) => parts.every((m) => m(req));
}

/** mirrord's JSON form of a filter (snake_case keys), as users wrote it. */
export function filterText(f: HttpFilter | undefined): string {
  if (!f) return '';
  const snake = (x: HttpFilter): Record<string, unknown> => ({
    ...(x.headerFilter ? { header_filter: x.headerFilter } : {}),
    ...(x.pathFilter ? { path_filter: x.pathFilter } : {}),
    ...(x.methodFilter ? { method_filter: x.methodFilter } : {}),
    ...(x.allOf?.length ? { all_of: x.allOf.map(snake) } : {}),
    ...(x.anyOf?.length ? { any_of: x.anyOf.map(snake) } : {}),
  });
  return JSON.stringify(snake(f));
}
