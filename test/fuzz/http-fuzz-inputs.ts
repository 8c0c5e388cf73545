// Seeded HTTP/1.x streams for fuzzing the message splitter and the http_filter matchers: pipelined
// requests (or responses) with Content-Length, chunked (extensions, trailers), read-until-close and
// upgraded bodies, large bodies and heads, then byte-level mutations; each stream is also cut into
// reads at random points. Random http_filter trees from pattern fragments (valid and not).
import type { HttpFilter } from '#proto/runtime/types.js';
import type { Gen } from './prng.js';

const METHODS = ['GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'PATCH', 'get', 'BREW', 'M-SEARCH'];
const URLS = ['/', '/api/v1/items?id=7&x=%20', '/healthz', '*', 'http://pod:8080/abs', '/ünï', '/a//b/../c', '/' + 'p'.repeat(300)];
const HEADERS = ['Host: pod', 'X-User: alice', 'x-user: bob', 'Accept: */*', 'Cookie: a=b; c=d', 'X-Empty:', 'X-Sp:   padded   ', 'Connection: keep-alive',
  'Connection: close', 'Expect: 100-continue', 'X-Fold: a\r\n  folded', 'X-Bin: \u00ff\u0001', 'X-Long: ' + 'v'.repeat(2000)];
const STATUS = ['200 OK', '204 No Content', '304 Not Modified', '100 Continue', '404 Not Found', '500 Internal Server Error', '200'];

export type Body = 'none' | 'length' | 'chunked' | 'upgrade' | 'until-close';

function body(g: Gen): string {
  const n = g.chance(0.01) ? 70_000 + g.int(80_000) : g.int(g.chance(0.5) ? 16 : 3000);
  return String.fromCharCode(...Array.from({ length: Math.min(n, 64) }, () => g.int(256))).repeat(Math.ceil(n / 64) || 0).slice(0, n);
}

function chunked(g: Gen, data: string): string {
  let out = '';
  for (let at = 0; at < data.length;) {
    const n = 1 + g.int(Math.max(1, Math.min(data.length - at, 4000)));
    out += `${n.toString(16)}${g.chance(0.1) ? ';ext=1' : ''}\r\n${data.slice(at, at + n)}\r\n`;
    at += n;
  }
  return out + `0\r\n${g.chance(0.2) ? 'X-Trailer: t\r\n' : ''}\r\n`;
}

function headers(g: Gen): string {
  return Array.from({ length: g.int(5) }, () => g.pick(HEADERS) + '\r\n').join('') + (g.chance(0.005) ? `X-Huge: ${'h'.repeat(90_000)}\r\n` : '');
}

/** One message; `last` may use a body that runs to the end of the stream. */
function message(g: Gen, kind: 'request' | 'response', last: boolean): string {
  const kinds: Body[] = ['none', 'length', 'length', 'chunked', ...(last ? (['upgrade', 'until-close'] as Body[]) : [])];
  const b = g.pick(kinds);
  const data = body(g);
  const start = kind === 'request'
    ? `${g.pick(METHODS)} ${g.pick(URLS)} HTTP/1.${g.chance(0.9) ? 1 : 0}\r\n`
    : `HTTP/1.1 ${b === 'upgrade' ? '101 Switching Protocols' : g.pick(STATUS)}\r\n`;
  const h = headers(g);
  switch (b) {
    case 'none': return `${start}${h}\r\n`;
    case 'length': return `${start}${h}Content-Length: ${data.length}\r\n\r\n${data}`;
    case 'chunked': return `${start}${h}Transfer-Encoding: chunked\r\n\r\n${chunked(g, data)}`;
    case 'upgrade': return `${start}${h}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n\u0081\u0005hello${data}`;
    default: return kind === 'request' ? `${start}${h}\r\n` : `${start}${h}\r\n${data}`; // responses without length read to the end
  }
}

const INSERTS = ['\r', '\n', '\r\n', ':', ' ', '\u0000', '\r\n\r\n', 'Content-Length: 5\r\n', 'Transfer-Encoding: chunked\r\n', 'ffffffffffff\r\n',
  '-1', '99999999999999999999', 'HTTP/1.1 ', 'GET / HTTP/1.1\r\n'];

function mutate(g: Gen, s: Buffer): Buffer {
  let b = s;
  for (let n = 1 + g.int(3); n > 0; n--) {
    const at = g.int(b.length + 1);
    switch (g.int(6)) {
      case 0: { const c = Buffer.from(b); if (c.length) c[Math.min(at, c.length - 1)]! ^= 1 << g.int(8); b = c; break; }
      case 1: b = Buffer.concat([b.subarray(0, at), Buffer.from(g.pick(INSERTS), 'latin1'), b.subarray(at)]); break;
      case 2: b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + g.int(32))]); break;
      case 3: b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + g.int(64)), b.subarray(at)]); break;
      case 4: b = b.subarray(0, at); break; // truncated stream
      default: b = Buffer.concat([b.subarray(0, at), Buffer.from([g.int(256)]), b.subarray(at)]);
    }
  }
  return b;
}

export interface HttpStreamInput { kind: 'request' | 'response'; bytes: Buffer; mutated: boolean; headRequest: boolean }

export function httpStream(g: Gen): HttpStreamInput {
  const kind = g.chance(0.8) ? 'request' : 'response';
  const n = 1 + g.int(5);
  const text = Array.from({ length: n }, (_, i) => message(g, kind, i === n - 1)).join('');
  const clean = Buffer.from(text, 'latin1');
  const mutated = g.chance(0.45);
  return { kind, bytes: mutated ? mutate(g, clean) : clean, mutated, headRequest: kind === 'response' && g.chance(0.1) };
}

/** Cut points of `len` bytes into reads: 1..12 random cuts, sometimes every byte (short streams). */
export function cuts(g: Gen, len: number): number[] {
  if (len < 400 && g.chance(0.05)) return Array.from({ length: len }, (_, i) => i + 1);
  const points = new Set<number>();
  for (let n = 1 + g.int(12); n > 0; n--) points.add(1 + g.int(Math.max(1, len)));
  return [...points].filter((p) => p < len).sort((a, b) => a - b).concat(len);
}

const FRAGMENTS = ['x-user: alice', '^X-User: (alice|bob)$', '^/api', '/healthz$', '^GET$', 'post|put', '.*', '', '^$', '\\d+', '[^\\s]+', 'ü', '\\u00e9',
  '(?<n>a)\\k<n>', '(?=a)b', 'a{2,3}', '(', '[a-', '\\', 'a{2,1}', '(?i)x', '*', '+?', '[z-a]', '\\k<nope>', '(?<a>x)(?<a>y)', '\\p{L}', '^[A-Z]+$'];

export function httpFilter(g: Gen, depth = 0): HttpFilter {
  const f: HttpFilter = {};
  if (g.chance(0.5)) f.headerFilter = g.pick(FRAGMENTS);
  if (g.chance(0.35)) f.pathFilter = g.pick(FRAGMENTS);
  if (g.chance(0.25)) f.methodFilter = g.pick(FRAGMENTS);
  if (depth < 2 && g.chance(0.2)) f.allOf = Array.from({ length: g.int(3) }, () => httpFilter(g, depth + 1));
  if (depth < 2 && g.chance(0.2)) f.anyOf = Array.from({ length: g.int(3) }, () => httpFilter(g, depth + 1));
  return f;
}
