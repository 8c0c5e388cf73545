// Text for logs and error messages built from values a peer controls, with a bound on the work
// and on the result: nesting is cut at a depth, long strings and arrays are shortened, and the
// total is clipped. Used wherever a message names an offending value or a log line carries data,
// so neither can recurse or grow with the peer's input.

export interface FormatBounds {
  /** Levels of arrays/objects shown; deeper ones become "[…]" / "{…}". */
  maxDepth: number;
  /** Characters of the final text. */
  maxChars: number;
  /** Entries shown per array or object. */
  maxEntries: number;
}

/** Bounds for a value quoted inside a one-line error message. */
export const MESSAGE_BOUNDS: FormatBounds = { maxDepth: 3, maxChars: 120, maxEntries: 8 };
/** Bounds for structured data attached to a log line. */
export const LOG_DATA_BOUNDS: FormatBounds = { maxDepth: 8, maxChars: 16_384, maxEntries: 100 };

/** Cuts `text` to `maxChars`, saying how much was left out. */
export function clipText(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}… (${text.length - maxChars} more characters)`;
}

/** JSON-like text of `value` within `bounds` (never throws, never recurses past maxDepth). */
export function previewJson(value: unknown, bounds: FormatBounds = MESSAGE_BOUNDS): string {
  let text: string;
  try {
    text = JSON.stringify(boundedCopy(value, bounds, 0)) ?? String(value);
  } catch (e) {
    text = `<unprintable: ${(e as Error).message}>`;
  }
  return clipText(text, bounds.maxChars);
}

/**
 * A copy of `value` that JSON.stringify can print safely: plain data only, at most maxDepth
 * levels and maxEntries entries per level, strings cut at maxChars.
 */
export function boundedCopy(value: unknown, bounds: FormatBounds, depth = 0): unknown {
  switch (typeof value) {
    case 'string': return clipText(value, bounds.maxChars);
    case 'number': case 'boolean': case 'undefined': return value;
    case 'bigint': return `${value}n`;
    case 'function': case 'symbol': return undefined;
  }
  if (value === null) return null;
  if (depth >= bounds.maxDepth) return Array.isArray(value) ? '[…]' : '{…}';
  if (Array.isArray(value)) {
    const shown = value.slice(0, bounds.maxEntries).map((v) => boundedCopy(v, bounds, depth + 1));
    return value.length > bounds.maxEntries ? [...shown, `… (${value.length - bounds.maxEntries} more)`] : shown;
  }
  if (value instanceof Error) return clipText(value.stack ?? `${value.name}: ${value.message}`, bounds.maxChars);
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const key in value as object) {
    if (!Object.hasOwn(value as object, key)) continue;
    if (count++ === bounds.maxEntries) {
      out['…'] = 'more keys';
      break;
    }
    out[clipText(key, bounds.maxChars)] = boundedCopy((value as Record<string, unknown>)[key], bounds, depth + 1);
  }
  return out;
}
