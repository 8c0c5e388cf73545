// Fuzzing of the HTTP message splitter (agent/src/incoming/http/message-splitter.ts) and of the
// two http_filter matchers (the agent's filter.ts and the proxy's mirror http-request-match.ts),
// in process. Each seeded stream (http-fuzz-inputs.ts) is split once whole and once cut at random
// points. Findings: anything thrown that is not an "HTTP parse error" (a crash), an input taking
// over HANG_MS (a hang: timed in the bench only), bytes not conserved (what goes in comes out as
// messages, raw bytes and the held head — or, when the first head fails, held + the failing read:
// what the agent then passes through), outcomes that depend on where the stream was cut, a held head over
// MAX_HEAD_BYTES, and matchers that throw, disagree with each other, or refuse with another error.
import { compileHttpFilter, HttpFilterError } from '#agent/incoming/http/filter.js';
import { HttpMessageSplitter, MAX_HEAD_BYTES, type MessageHead } from '#agent/incoming/http/message-splitter.js';
import { compileRequestMatcher } from '#runtime/proxy/http-request-match.js';
import { cuts, httpFilter, httpStream, type HttpStreamInput } from './http-fuzz-inputs.js';
import { Gen, prng } from './prng.js';

const HANG_MS = 2000;

export interface HttpFinding { at: number; detail: string }
export interface HttpFuzzReport {
  inputs: number;
  bytes: number;
  messages: number;
  parseErrors: number;
  crashes: HttpFinding[];
  hangs: HttpFinding[];
  conservation: HttpFinding[];
  cutDependent: HttpFinding[];
  unbounded: HttpFinding[];
  filters: { compiled: number; refused: number; matched: number; findings: HttpFinding[] };
  rssMb: { start: number; max: number; end: number };
  durationMs: number;
}

interface Split {
  heads: MessageHead[];
  messages: Buffer[];
  raw: Buffer;
  rest: Buffer;            // held head bytes + the partial message in progress
  error?: Error;
  throwInput?: Buffer;     // held + failing read, when no head came before the failure
  violation?: string;
}

function split(input: HttpStreamInput, points: number[]): Split {
  const heads: MessageHead[] = [];
  const messages: Buffer[] = [];
  let cur: Buffer[] | undefined;
  const raw: Buffer[] = [];
  let violation: string | undefined;
  const s = new HttpMessageSplitter(input.kind, {
    onHead: (h) => { if (cur) violation = 'head inside a message'; cur = []; heads.push(h); return input.headRequest; },
    onBytes: (b) => { if (!cur) violation = 'bytes outside a message'; else cur.push(Buffer.from(b)); },
    onComplete: () => { messages.push(Buffer.concat(cur ?? [])); cur = undefined; },
    onRaw: (b) => raw.push(Buffer.from(b)),
  });
  let prev = 0;
  for (const p of points) {
    const chunk = input.bytes.subarray(prev, p);
    try {
      s.push(chunk);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      const before = heads.length === 0 ? Buffer.concat([s.takeHeld(), chunk]) : undefined;
      return { heads, messages, raw: Buffer.concat(raw), rest: Buffer.alloc(0), error, ...(before ? { throwInput: before } : {}), ...(violation ? { violation } : {}) };
    }
    const held = (s as unknown as { heldBytes: number }).heldBytes;
    if (held > MAX_HEAD_BYTES) violation = `held ${held} bytes of a head`;
    prev = p;
  }
  try {
    s.end();
  } catch (err) {
    return { heads, messages, raw: Buffer.concat(raw), rest: Buffer.alloc(0), error: err instanceof Error ? err : new Error(String(err)), ...(violation ? { violation } : {}) };
  }
  const rest = Buffer.concat([...(cur ?? []), s.takeHeld()]);
  return { heads, messages, raw: Buffer.concat(raw), rest, ...(violation ? { violation } : {}) };
}

const headText = (h: MessageHead): string => JSON.stringify([h.method, h.url, h.statusCode, h.upgrade, h.rawHeaders]);

function sameSplit(a: Split, b: Split): string | undefined {
  if (Boolean(a.error) !== Boolean(b.error)) return `whole: ${a.error?.message ?? 'ok'}; cut: ${b.error?.message ?? 'ok'}`;
  if (a.error) return undefined;
  if (a.heads.map(headText).join() !== b.heads.map(headText).join()) return 'different heads';
  if (a.messages.length !== b.messages.length || a.messages.some((m, i) => !m.equals(b.messages[i]!))) return 'different message bytes';
  if (!a.raw.equals(b.raw)) return 'different raw bytes';
  return undefined;
}

function checkFilters(g: Gen, heads: MessageHead[], at: number, report: HttpFuzzReport): void {
  const filter = httpFilter(g);
  let agent: ((h: MessageHead) => boolean) | undefined;
  let proxy: ((h: MessageHead) => boolean) | undefined;
  const f = report.filters;
  try { agent = compileHttpFilter(filter); } catch (err) {
    if (!(err instanceof HttpFilterError)) f.findings.push({ at, detail: `agent compile threw ${String(err)}` });
  }
  try { proxy = compileRequestMatcher(filter); } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('http_filter')) f.findings.push({ at, detail: `proxy compile threw ${String(err)}` });
  }
  if (Boolean(agent) !== Boolean(proxy)) {
    f.findings.push({ at, detail: `agent ${agent ? 'accepts' : 'refuses'}, proxy ${proxy ? 'accepts' : 'refuses'} ${JSON.stringify(filter)}` });
    return;
  }
  if (!agent || !proxy) { f.refused++; return; }
  f.compiled++;
  for (const h of heads) {
    let a: unknown, p: unknown;
    try { a = agent(h); p = proxy(h); } catch (err) { f.findings.push({ at, detail: `matcher threw ${String(err)}` }); continue; }
    if (typeof a !== 'boolean' || a !== p) f.findings.push({ at, detail: `agent ${String(a)}, proxy ${String(p)} for ${headText(h)} with ${JSON.stringify(filter)}` });
    if (a === true) f.matched++;
  }
}

const rssMb = (): number => process.memoryUsage().rss / (1 << 20);

/**
 * `slowInputMs` (default HANG_MS; `false`: not timed): an input that takes longer is a finding in
 * `hangs`. The bench times inputs; the test tier does not (a duration is no assertion there).
 */
export function fuzzHttp(opts: { seed: number; inputs: number; from?: number; slowInputMs?: number | false; onProgress?: (done: number, r: HttpFuzzReport) => void }): HttpFuzzReport {
  const slowInputMs = opts.slowInputMs ?? HANG_MS;
  const g = new Gen(prng(opts.seed));
  const started = Date.now();
  const report: HttpFuzzReport = {
    inputs: 0, bytes: 0, messages: 0, parseErrors: 0, crashes: [], hangs: [], conservation: [], cutDependent: [], unbounded: [],
    filters: { compiled: 0, refused: 0, matched: 0, findings: [] }, rssMb: { start: rssMb(), max: rssMb(), end: 0 }, durationMs: 0,
  };
  const keep = (list: HttpFinding[], f: HttpFinding): void => { if (list.length < 50) list.push(f); };
  for (let i = 0; i < opts.inputs; i++) {
    const input = httpStream(g);
    const points = cuts(g, input.bytes.length);
    if (i < (opts.from ?? 0)) { // replay up to an input without running the ones before it
      if (input.kind === 'request' && g.chance(0.3)) httpFilter(g);
      continue;
    }
    if (process.env.FUZZ_HTTP_TRACE) console.log('input', i, input.kind, input.bytes.length, input.bytes.length < 2000 ? JSON.stringify(input.bytes.toString('latin1')) : '', JSON.stringify(points));
    const t0 = Date.now();
    const whole = split(input, [input.bytes.length]);
    const cut = split(input, points);
    const took = Date.now() - t0;
    if (process.env.FUZZ_HTTP_DUMP === String(i)) { // FUZZ_HTTP_DUMP=N: what input N made of the splitter
      const brief = (r: Split) => ({ heads: r.heads.map((h) => `${h.method} ${h.url.slice(0, 20)} ${h.statusCode}`), messages: r.messages.map((m) => m.length), raw: r.raw.length, rest: r.rest.length, error: r.error?.message, throwInput: r.throwInput?.length });
      console.log(JSON.stringify({ kind: input.kind, len: input.bytes.length, points, whole: brief(whole), cut: brief(cut) }));
    }
    report.inputs++;
    report.bytes += input.bytes.length;
    report.messages += whole.messages.length;
    if (slowInputMs !== false && took > slowInputMs) keep(report.hangs, { at: i, detail: `${took} ms for ${input.bytes.length} bytes` });
    for (const [name, r] of [['whole', whole], ['cut', cut]] as const) {
      if (r.violation) keep(report.unbounded, { at: i, detail: `${name}: ${r.violation}` });
      if (r.error && !r.error.message.startsWith('HTTP parse error')) keep(report.crashes, { at: i, detail: `${name}: ${r.error.stack ?? r.error.message}` });
      const upTo = r.error ? undefined : input.bytes;
      if (upTo && !Buffer.concat([...r.messages, r.rest, r.raw]).equals(upTo)) keep(report.conservation, { at: i, detail: `${name}: ${r.messages.length} messages` });
      if (r.throwInput && !input.bytes.subarray(0, r.throwInput.length).equals(r.throwInput)) keep(report.conservation, { at: i, detail: `${name}: held + failing read is not the stream's start` });
    }
    if (whole.error) report.parseErrors++;
    const diff = sameSplit(whole, cut);
    if (diff) keep(report.cutDependent, { at: i, detail: `${diff}; cuts ${points.slice(0, 12).join(',')}` });
    if (input.kind === 'request' && g.chance(0.3)) checkFilters(g, whole.heads, i, report);
    if (i % 10_000 === 9_999) {
      report.rssMb.max = Math.max(report.rssMb.max, rssMb());
      opts.onProgress?.(i + 1, report);
    }
  }
  report.rssMb.end = rssMb();
  report.rssMb.max = Math.max(report.rssMb.max, report.rssMb.end);
  report.durationMs = Date.now() - started;
  return report;
}
