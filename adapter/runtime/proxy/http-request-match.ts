// mirrord's http_filter over one request head, for mirrored connections the proxy splits itself
// (the agent applies the same semantics to stolen ones, agent/src/incoming/http/filter.ts):
// header_filter (regex over each "Name: value" line), path_filter (regex over the request target,
// query included), method_filter (regex over the method), all_of / any_of; all case-insensitive,
// as mirrord's ("(?i)pattern").
// Every field that is set must match; an invalid regex throws naming the field.
import type { HttpFilter } from '#proto/runtime/types.js';

export interface RequestHead { method: string; url: string; rawHeaders: string[] }
export type RequestMatcher = (req: RequestHead) => boolean;

/** Case-insensitive, as every http_filter field is in mirrord. */
function compile(pattern: string, field: string): RegExp {
  try {
    return new RegExp(pattern, 'i');
  } catch (err) {
    throw new Error(`${field}: invalid regex ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
}

export function compileRequestMatcher(filter: HttpFilter, path = 'http_filter'): RequestMatcher {
  const parts: RequestMatcher[] = [];
  if (filter.headerFilter) {
    const re = compile(filter.headerFilter, `${path}.header_filter`);
    parts.push((req) => {
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) if (re.test(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)) return true;
      return false;
    });
  }
  if (filter.pathFilter) {
    const re = compile(filter.pathFilter, `${path}.path_filter`);
    parts.push((req) => re.test(req.url));
  }
  if (filter.methodFilter) {
    const re = compile(filter.methodFilter, `${path}.method_filter`);
    parts.push((req) => re.test(req.method));
  }
  if (filter.allOf?.length) {
    const subs = filter.allOf.map((f, i) => compileRequestMatcher(f, `${path}.all_of[${i}]`));
    parts.push((req) => subs.every((m) => m(req)));
  }
  if (filter.anyOf?.length) {
    const subs = filter.anyOf.map((f, i) => compileRequestMatcher(f, `${path}.any_of[${i}]`));
    parts.push((req) => subs.some((m) => m(req)));
  }
  if (parts.length === 0) throw new Error(`${path}: empty filter`);
  return (req) => parts.every((m) => m(req));
}
