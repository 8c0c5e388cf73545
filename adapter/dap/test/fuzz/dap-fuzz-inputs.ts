// Seeded inputs for fuzzing a live kmirror-dap: mutated requests (fields of every type, numbers
// JSON cannot hold, prototype keys, deep nesting, large values), byte-level mutations of valid
// frames, header mutations, non-request messages, out-of-order request sequences (mutated session
// life cycles, requests after a disconnect). The same
// seed always gives the same inputs, so input N of a failing run can be regenerated.
//
// Every input keeps the stream in step: a frame whose header announces more bytes than its body
// is padded to that length, and a header mutation is followed by a blank line, so the next input
// starts at a frame boundary whatever the server made of this one. Inputs never make kmirror-dap
// start anything: launch and attach always carry an invalid `targetTimeoutMs` (the last field the
// validation checks), so no debugger, program or agent is spawned and no process is attached to.
import { Gen, prng } from '#test/fuzz/prng.js';
import { DAP_COMMANDS } from '../../server/dap-commands.js';

export interface FuzzInput {
  bytes: Buffer;
  kind: 'request' | 'sequence' | 'bytes' | 'header' | 'deep' | 'large' | 'message';
  /** The input contains a disconnect request: the session may end (and on stdio, the process). */
  endsSession: boolean;
}

/** Seqs at or above this are the driver's own probes; fuzz inputs never use them. */
export const PROBE_SEQ_BASE = 2_000_000_000;

// disconnect ends the session (and kmirror-dap on stdio): only the rare input made for it sends one.
const COMMANDS = [...[...DAP_COMMANDS].filter((c) => c !== 'disconnect'), 'kmirror/status', 'kmirror/unknown', 'a/b', '', ' ', '__proto__', 'constructor',
  'hasOwnProperty', 'toString', 'valueOf', 'then', 'launch\u0000', 'Initialize', 'x'.repeat(300), '../..', 'km/\u00e9'];
const RAW_NUMBERS = ['1e400', '-1e400', '1.5', '-0', '0', '-1', '9007199254740993', '2147483648', '4294967296', '18446744073709551616', '1e-400'];
const KEYS = ['__proto__', 'constructor', 'prototype', 'seq', 'type', 'command', 'arguments', 'threadId', 'frameId', 'variablesReference',
  'source', 'path', 'breakpoints', 'lines', 'expression', 'context', 'format', 'program', 'args', 'env', 'target', 'kmirror', 'levels',
  'startFrame', 'count', 'filter', 'start', 'memoryReference', 'offset', 'instructionCount', 'adapterID', 'pathFormat', ''];

export class DapGen extends Gen {
  string(): string {
    switch (this.int(6)) {
      case 0: return '';
      case 1: return this.pick(KEYS);
      case 2: return '/tmp/kmirror-fuzz-nonexistent/' + this.int(1000);
      case 3: return String.fromCharCode(...Array.from({ length: this.int(12) }, () => this.int(0x10000)));
      case 4: return '\\u0000"\n\t' + '\ud800';
      default: return 'x'.repeat(this.int(64));
    }
  }

  /** A JSON text (raw, so it can hold numbers JSON.stringify cannot write). */
  value(depth: number): string {
    const kind = depth > 6 ? this.int(5) : this.int(8);
    switch (kind) {
      case 0: return this.pick(RAW_NUMBERS);
      case 1: return String(this.int(3) === 0 ? -this.int(1000) : this.int(1 << 20));
      case 2: return JSON.stringify(this.string());
      case 3: return this.pick(['null', 'true', 'false']);
      case 4: return JSON.stringify(this.int(100));
      case 5: return `[${Array.from({ length: this.int(5) }, () => this.value(depth + 1)).join(',')}]`;
      default: return this.object(depth + 1);
    }
  }

  object(depth: number, fixed: Record<string, string> = {}): string {
    const entries = Array.from({ length: this.int(5) }, () => [this.pick(KEYS), this.value(depth)] as const);
    const all = [...entries, ...Object.entries(fixed)];
    return `{${all.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  }

  seq(): string {
    return this.chance(0.8) ? String(1 + this.int(1000)) : this.chance(0.5) ? this.pick(RAW_NUMBERS) : this.value(5);
  }

  request(command = this.pick(COMMANDS)): string {
    let args = this.chance(0.2) ? undefined : this.object(1);
    if (command === 'launch' || command === 'attach') {
      // Always refused by validation (targetTimeoutMs is checked last), so nothing is started.
      args = this.object(1, { targetTimeoutMs: this.pick(['-1', '0', '1.5', '"x"', '1e400', 'null']) });
    }
    const type = this.chance(0.9) ? '"request"' : this.value(5);
    return `{"seq":${this.seq()},"type":${type},"command":${JSON.stringify(command)}${args === undefined ? '' : `,"arguments":${args}`}}`;
  }
}

function frame(body: string | Buffer): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return Buffer.concat([Buffer.from(`Content-Length: ${bytes.length}\r\n\r\n`), bytes]);
}

export function mutateBytes(g: Gen, body: Buffer): Buffer {
  let b = Buffer.from(body);
  for (let n = 1 + g.int(4); n > 0; n--) {
    const at = g.int(b.length + 1);
    switch (g.int(5)) {
      case 0: { const i = Math.min(at, b.length - 1); if (i >= 0) b[i] = (b[i] ?? 0) ^ (1 << g.int(8)); break; }
      case 1: b = Buffer.concat([b.subarray(0, at), Buffer.from([g.int(256)]), b.subarray(at)]); break;
      case 2: b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + g.int(8))]); break;
      case 3: b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + g.int(16)), b.subarray(at)]); break;
      default: b = Buffer.concat([b.subarray(0, at), Buffer.from(g.pick(['[', '{', '"', '\\', ',', ':', '}', ']', '\\ud800', '\u0000', '1e400'])), b.subarray(at)]);
    }
  }
  return b;
}

/** A valid body under a mutated header; padded and followed by a blank line to stay in step. */
function mutateHeader(g: Gen, body: Buffer): Buffer {
  const declared = Math.max(0, body.length + g.int(33) - 16);
  const header = g.pick([
    `Content-Length: ${declared}\r\n\r\n`, `content-length: ${declared}\r\n\r\n`, `Content-Length:${declared}\r\n\r\n`,
    `Content-Type: x\r\nContent-Length: ${declared}\r\n\r\n`, `Content-Length: ${declared}\n\n`, `Content-Length: -${declared}\r\n\r\n`,
    `Content-Length: ${declared}.5\r\n\r\n`, `Content-Length: 0x${declared.toString(16)}\r\n\r\n`, '\r\n\r\n', `X: ${'y'.repeat(9000)}\r\n\r\n`,
  ]);
  const pad = Buffer.alloc(Math.max(0, declared - body.length), 0x20);
  return Buffer.concat([Buffer.from(header), body, pad, Buffer.from('\r\n\r\n')]);
}

/** Out-of-order sequences: requests valid in shape, sent in an order no real client uses. */
function sequence(g: DapGen): string[] {
  const order = ['configurationDone', 'launch', 'setBreakpoints', 'initialize', 'initialize', 'threads', 'stackTrace', 'continue',
    'kmirror/status', 'attach', 'configurationDone', 'evaluate', 'restart', 'terminate', 'cancel', 'pause'];
  return Array.from({ length: 2 + g.int(8) }, () => g.request(g.pick(order)));
}

// The session's life cycle (initialize → launch/attach → configuration → running → stopped →
// terminate/disconnect) as a list of phases; a mutated life cycle swaps, repeats, drops phases or
// jumps backwards, so requests of one state arrive in another (stackTrace before launch, continue
// before configurationDone, setBreakpoints after terminate, a second initialize mid-session).
const LIFECYCLE = [['initialize'], ['launch', 'attach'], ['setBreakpoints', 'setExceptionBreakpoints', 'setFunctionBreakpoints'], ['configurationDone'],
  ['threads', 'continue', 'pause'], ['stackTrace', 'scopes', 'variables', 'evaluate', 'next', 'stepIn', 'stepOut'], ['restart', 'terminate', 'kmirror/status']];

function lifecycle(g: DapGen): string[] {
  const phases = LIFECYCLE.map((p) => g.pick(p));
  for (let n = 1 + g.int(4); n > 0; n--) {
    const i = g.int(phases.length), j = g.int(phases.length);
    switch (g.int(4)) {
      case 0: [phases[i], phases[j]] = [phases[j]!, phases[i]!]; break;               // swap two phases
      case 1: phases.splice(i, 0, phases[j]!); break;                                 // repeat one elsewhere
      case 2: if (phases.length > 2) phases.splice(i, 1); break;                      // drop one
      default: phases.push(...phases.slice(0, 1 + g.int(phases.length)));            // jump back to the start
    }
  }
  return phases.map((c) => g.request(c));
}

/** A life cycle cut by a disconnect: the requests after it reach a session that has ended. */
function afterDisconnect(g: DapGen): string[] {
  const before = lifecycle(g).slice(0, 1 + g.int(4));
  const disconnect = `{"seq":${1 + g.int(1000)},"type":"request","command":"disconnect","arguments":${g.chance(0.5) ? '{}' : g.object(1)}}`;
  const after = ['continue', 'stackTrace', 'threads', 'evaluate', 'launch', 'initialize', 'disconnect', 'configurationDone'].filter(() => g.chance(0.6));
  return [...before, disconnect, ...after.map((c) => g.request(c))];
}

/** Generates inputs forever from `seed`. */
export function* dapFuzzInputs(seed: number): Generator<FuzzInput> {
  const g = new DapGen(prng(seed));
  for (;;) {
    const roll = g.int(100);
    if (g.int(5000) === 0) {
      yield { bytes: Buffer.concat(afterDisconnect(g).map(frame)), kind: 'sequence', endsSession: true };
    } else if (g.int(5000) === 0) {
      // A valid seq: a disconnect that is refused as malformed ends nothing.
      yield { bytes: frame(`{"seq":${1 + g.int(1000)},"type":"request","command":"disconnect","arguments":${g.object(1)}}`), kind: 'request', endsSession: true };
    } else if (roll < 38) {
      const body = g.request();
      yield { bytes: frame(body), kind: 'request', endsSession: false };
    } else if (roll < 46) {
      yield { bytes: Buffer.concat((g.chance(0.5) ? sequence(g) : lifecycle(g)).map(frame)), kind: 'sequence', endsSession: false };
    } else if (roll < 70) {
      yield { bytes: frame(mutateBytes(g, Buffer.from(g.request()))), kind: 'bytes', endsSession: false };
    } else if (roll < 80) {
      yield { bytes: mutateHeader(g, Buffer.from(g.request())), kind: 'header', endsSession: false };
    } else if (roll < 84) {
      const n = 100 + g.int(6000);
      const open = g.pick(['[', '{"a":', '[{"b":']);
      const close = open === '[' ? ']' : open === '{"a":' ? '}' : '}]';
      const nested = `${open.repeat(n)}1${close.repeat(n)}`;
      yield { bytes: frame(g.chance(0.5) ? nested : `{"seq":1,"type":"request","command":"evaluate","arguments":${nested}}`), kind: 'deep', endsSession: false };
    } else if (roll < 85) {
      const big = g.chance(0.5) ? JSON.stringify('z'.repeat(1 << (10 + g.int(11)))) : `{${Array.from({ length: 5000 }, (_, i) => `"k${i}":${i}`).join(',')}}`;
      yield { bytes: frame(`{"seq":2,"type":"request","command":"${g.pick(COMMANDS)}","arguments":{"v":${big}}}`), kind: 'large', endsSession: false };
    } else {
      // Not a request: bare values, responses to reverse requests never sent, events from a client.
      const body = g.pick([
        () => g.value(0),
        () => `{"seq":${g.seq()},"type":"response","request_seq":${g.seq()},"success":${g.value(5)},"command":${JSON.stringify(g.pick(COMMANDS))},"body":${g.value(3)}}`,
        () => `{"seq":${g.seq()},"type":"event","event":${JSON.stringify(g.string())},"body":${g.value(3)}}`,
        () => g.object(0),
      ])();
      yield { bytes: frame(body), kind: 'message', endsSession: false };
    }
  }
}
