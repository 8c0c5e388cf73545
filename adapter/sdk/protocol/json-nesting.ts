// How deeply a JSON text nests, found without parsing or recursing: one pass over the characters
// that counts `[`/`{` outside strings. The DAP peer runs it on every frame before JSON.parse, so a
// peer's message can never carry a structure deeper than the limit into code that walks it
// recursively (JSON.stringify overflows the stack at about 4,000 levels).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/** True when `text` opens more than `maxDepth` arrays/objects inside one another. */
export function nestingExceeds(text: string, maxDepth: number): boolean {
  if (fewOpenings(text, maxDepth)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++; // the escaped character cannot end the string
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

/**
 * True when `text` holds at most `limit` `[`/`{` characters in all, so it cannot nest deeper than
 * that: the usual DAP message is decided by two native searches instead of a scan in JavaScript.
 */
function fewOpenings(text: string, limit: number): boolean {
  let count = 0;
  for (const open of ['[', '{']) {
    for (let i = text.indexOf(open); i !== -1; i = text.indexOf(open, i + 1)) {
      if (++count > limit) return false;
    }
  }
  return true;
}
