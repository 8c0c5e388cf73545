// `kmirror record --http-filter …`: mirrord's http_filter from the command line, matched with the
// proxy's own matcher (compileRequestMatcher). --http-filter is a header regex ("x-user: alice",
// tried against each "Name: value" line of the request) or, when it starts with "{", the JSON form
// of the config's http_filter ({"header_filter", "path_filter", "method_filter", "all_of", "any_of"},
// checked by the config validator); --http-filter-path / --http-filter-method add those regexes.
// Everything given must match. Every regex is checked up front with regexpp, as the agent checks
// stolen-traffic filters (RegExp's own error has no position): an invalid one is an error naming
// the pattern and the position.
import { RegExpValidator } from '@eslint-community/regexpp';
import type { HttpFilter } from '#proto/runtime/types.js';
import { resolvePolicy } from '#runtime/config/policy.js';
import { validateConfig } from '#runtime/config/validate.js';
import { compileRequestMatcher, type RequestMatcher } from '#runtime/proxy/http-request-match.js';

export interface HttpFilterFlags {
  filter?: string;
  path?: string;
  method?: string;
}

export interface ParsedHttpFilter {
  filter: HttpFilter;
  matches: RequestMatcher;
  /** The filter as given, for the recording's header and the start line. */
  label: string;
}

const CONFIG_KEY = 'feature.network.incoming.http_filter';

/** The JSON form, through the same validation as the configuration file's http_filter. */
function fromJson(text: string): HttpFilter {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`--http-filter: not valid JSON (${(err as Error).message}): ${text}`);
  }
  try {
    const { config, warnings } = validateConfig({ feature: { network: { incoming: { mode: 'mirror', http_filter: value } } } }, '--http-filter');
    if (warnings[0]) throw new Error(warnings[0].replace(/ is ignored .*$/, ' is not an http_filter key'));
    return resolvePolicy(config).incoming.httpFilter ?? {};
  } catch (err) {
    // The config validator's message names the key inside the wrapper config; name it as the flag's.
    throw new Error((err as Error).message.replaceAll(CONFIG_KEY, 'http_filter'), { cause: err });
  }
}

const validator = new RegExpValidator();

/** Checks each regex of the filter, throwing with the pattern, the position and a caret under it. */
function checkPatterns(filter: HttpFilter, where: string): void {
  const fields: [string, string | undefined][] = [['header_filter', filter.headerFilter], ['path_filter', filter.pathFilter], ['method_filter', filter.methodFilter]];
  for (const [name, pattern] of fields) {
    if (pattern === undefined) continue;
    try {
      validator.validatePattern(pattern, 0, pattern.length, { unicode: false });
    } catch (err) {
      const at = (err as { index?: number }).index ?? pattern.length;
      const reason = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
      throw new Error(`${where}.${name}: invalid regex at position ${at} (${reason}):\n  ${pattern}\n  ${' '.repeat(at)}^`);
    }
  }
  filter.allOf?.forEach((f, i) => checkPatterns(f, `${where}.all_of[${i}]`));
  filter.anyOf?.forEach((f, i) => checkPatterns(f, `${where}.any_of[${i}]`));
}

/** undefined when no --http-filter* flag was given; throws (before anything starts) when one is invalid. */
export function parseHttpFilterFlags(flags: HttpFilterFlags): ParsedHttpFilter | undefined {
  const parts: HttpFilter[] = [];
  const labels: string[] = [];
  if (flags.filter !== undefined) {
    const text = flags.filter.trim();
    if (text === '') throw new Error('--http-filter: empty filter (give a header regex like "x-user: alice", or JSON)');
    parts.push(text.startsWith('{') ? fromJson(text) : { headerFilter: flags.filter });
    labels.push(flags.filter);
  }
  if (flags.path !== undefined) {
    parts.push({ pathFilter: flags.path });
    labels.push(`path ${flags.path}`);
  }
  if (flags.method !== undefined) {
    parts.push({ methodFilter: flags.method });
    labels.push(`method ${flags.method}`);
  }
  if (parts.length === 0) return undefined;
  const filter: HttpFilter = parts.length === 1 ? (parts[0] as HttpFilter) : { allOf: parts };
  checkPatterns(filter, '--http-filter');
  // compileRequestMatcher compiles them with RegExp too, and refuses an empty filter.
  return { filter, matches: compileRequestMatcher(filter, '--http-filter'), label: labels.join(' and ') };
}
