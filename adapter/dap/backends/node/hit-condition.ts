// DAP hit conditions ("5", ">5", ">=5", "<3", "<=3", "==5", "%2"): whether the n-th hit stops.
import { DapError } from '../../common/errors.js';

export function parseHitCondition(text: string): (hits: number) => boolean {
  const m = /^\s*(>=|<=|==|=|>|<|%)?\s*(\d+)\s*$/.exec(text);
  if (!m) throw new DapError('BAD_REQUEST', `invalid hit condition "${text}": use N, >N, >=N, <N, <=N, ==N or %N`);
  const n = Number(m[2]);
  switch (m[1]) {
    case '>': return (h) => h > n;
    case '>=': return (h) => h >= n;
    case '<': return (h) => h < n;
    case '<=': return (h) => h <= n;
    case '%': return (h) => n > 0 && h % n === 0;
    default: return (h) => h === n;
  }
}

/** Turns a logpoint message with {expressions} into a JS template literal to evaluate. */
export function logMessageExpression(message: string): string {
  let out = '';
  let depth = 0;
  for (const ch of message) {
    if (ch === '{' && depth++ === 0) { out += '${'; continue; }
    if (ch === '}' && depth > 0 && --depth === 0) { out += '}'; continue; }
    out += depth === 0 && (ch === '`' || ch === '\\' || ch === '$') ? `\\${ch}` : ch;
  }
  return `\`${out}\``;
}
