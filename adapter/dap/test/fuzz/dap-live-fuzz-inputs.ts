// Seeded inputs for fuzzing a kmirror-dap session whose debugger is live (a launched program
// stopped at a breakpoint): requests of the running/stopped states (threads, stackTrace, scopes,
// variables, evaluate, setVariable, setBreakpoints on the real source, continue/step/pause,
// restart, terminate, …) in random order, with ids the session really gave out (threads, frames,
// variable references, harvested from its answers) mixed with stale and invalid ones, plus
// requests of other states (a second initialize, launch, configurationDone), arguments replaced
// by random values, and byte mutations. The same seed and the same ids give the same inputs.
// Never a disconnect: the driver ends each session itself and then checks the debuggee is gone.
// Requests that end the debuggee (terminate, restart) are rare (`endingShare`), so that one live
// session serves many inputs. A byte-mutated request carries seq 0, so that what a mutation makes
// of its seq never lands on a seq the driver counts answers for.
import { DapGen, mutateBytes } from './dap-fuzz-inputs.js';
import { prng } from '#test/fuzz/prng.js';

/** What the live session has handed out so far; the driver keeps it up to date. */
export interface LiveIds {
  threadIds: number[];
  frameIds: number[];
  variablesReferences: number[];
  sourceReferences: number[];
  /** The debuggee's source file and lines in it (the breakpoint line first). */
  source: string;
  lines: number[];
}

export interface LiveFuzzInput {
  bytes: Buffer;
  /** Well-formed requests in `bytes` (unique seqs): each must be answered exactly once. */
  requests: Array<{ seq: number; command: string }>;
  kind: 'request' | 'burst' | 'random-args' | 'bytes';
}

/** Seqs of fuzz requests start here; the driver's own requests stay below. */
export const LIVE_SEQ_BASE = 1_000_000;

const BAD_IDS: unknown[] = [0, -1, 1.5, 2 ** 31, 2 ** 53, 'x', null, true, {}, [], 999_999];
const EXPRESSIONS = ['count', 'greeting', 'count + 1', 'info', 'info.items', 'info.nested.depth', 'doubled', 'nope_undefined', '', '(', '1/0',
  '[1, 2, 3]', '"\u0000"', 'x'.repeat(5000), 'len(greeting)', 'os.environ', 'process.pid', '{a: 1}', '\ud800', 'count; count'];
const EVAL_CONTEXTS = ['repl', 'watch', 'hover', 'clipboard', 'variables', 'x', ''];
const EXCEPTION_FILTERS = ['all', 'uncaught', 'raised', 'userUnhandled', 'caught', 'bogus', ''];

type ArgsOf = (g: DapGen, ids: LiveIds, id: (real: number[]) => unknown) => Record<string, unknown> | undefined;

// Requests of the live states with their argument shapes; weights by repetition.
const LIVE: Record<string, ArgsOf> = {
  threads: () => undefined,
  stackTrace: (g, _i, id) => ({ threadId: id(_i.threadIds), ...(g.chance(0.5) ? { startFrame: g.pick([0, 1, 5, -1, 1000]), levels: g.pick([0, 1, 20, -5, 2 ** 31]) } : {}) }),
  scopes: (_g, i, id) => ({ frameId: id(i.frameIds) }),
  variables: (g, i, id) => ({ variablesReference: id(i.variablesReferences), ...(g.chance(0.3) ? { start: g.pick([0, 3, 249, -1]), count: g.pick([0, 1, 100, -1]), filter: g.pick(['indexed', 'named', 'x']) } : {}) }),
  evaluate: (g, i, id) => ({ expression: g.chance(0.8) ? g.pick(EXPRESSIONS) : g.string(), ...(g.chance(0.7) ? { frameId: id(i.frameIds) } : {}), context: g.pick(EVAL_CONTEXTS) }),
  setVariable: (g, i, id) => ({ variablesReference: id(i.variablesReferences), name: g.pick(['doubled', 'seen', 'nope', '', '__proto__']), value: g.pick(['1', '"s"', 'None', 'null', '{}', '(', '2']) }),
  setBreakpoints: (g, i) => ({
    source: g.chance(0.8) ? { path: i.source } : g.pick([{ path: '/tmp/kmirror-fuzz-nonexistent.js' }, { sourceReference: g.pick([...i.sourceReferences, 0, 77]) }, {}, { path: '' }]),
    breakpoints: Array.from({ length: g.int(4) }, () => ({
      line: g.chance(0.8) ? g.pick(i.lines) : g.pick([0, -1, 1, 100_000, 1.5]),
      ...(g.chance(0.15) ? { condition: g.pick(['count > 1', '(', 'true', 'count ==']) } : {}),
      ...(g.chance(0.1) ? { hitCondition: g.pick(['2', 'x', '-1']) } : {}),
      ...(g.chance(0.1) ? { logMessage: g.pick(['count={count}', '{', '}']) } : {}),
    })),
  }),
  setExceptionBreakpoints: (g) => ({ filters: EXCEPTION_FILTERS.filter(() => g.chance(0.3)) }),
  setFunctionBreakpoints: (g) => ({ breakpoints: g.chance(0.5) ? [] : [{ name: g.pick(['step', 'tick', 'nope', '']) }] }),
  continue: (_g, i, id) => ({ threadId: id(i.threadIds) }),
  next: (_g, i, id) => ({ threadId: id(i.threadIds) }),
  stepIn: (_g, i, id) => ({ threadId: id(i.threadIds) }),
  stepOut: (_g, i, id) => ({ threadId: id(i.threadIds) }),
  pause: (_g, i, id) => ({ threadId: id(i.threadIds) }),
  source: (g, i, id) => ({ sourceReference: id(i.sourceReferences), ...(g.chance(0.5) ? { source: { path: i.source } } : {}) }),
  exceptionInfo: (_g, i, id) => ({ threadId: id(i.threadIds) }),
  completions: (g, i, id) => ({ text: g.pick(['co', 'info.', '']), column: g.pick([1, 3, 0, 99]), frameId: id(i.frameIds) }),
  loadedSources: () => undefined,
  modules: () => ({}),
  restartFrame: (_g, i, id) => ({ frameId: id(i.frameIds) }),
  goto: (_g, i, id) => ({ threadId: id(i.threadIds), targetId: id([]) }),
  'kmirror/status': () => undefined,
};
const LIVE_COMMANDS = [...Object.keys(LIVE), 'stackTrace', 'scopes', 'variables', 'evaluate', 'evaluate', 'continue', 'next', 'pause', 'threads'];
// Requests of other states (refused or answered without effect), and requests that end or
// restart the debuggee: the latter rare, so most of a session has a live debuggee.
const OUT_OF_STATE = ['initialize', 'launch', 'attach', 'configurationDone', 'cancel', 'stepBack', 'reverseContinue', 'terminateThreads'];
const ENDING = ['restart', 'terminate'];
/** Share of the other-state requests that end or restart the debuggee: ≈ one per 6,000 inputs. */
const ENDING_SHARE = 0.002;

export class LiveFuzzInputs {
  private readonly g: DapGen;
  private seq = LIVE_SEQ_BASE;

  constructor(seed: number, private readonly endingShare = ENDING_SHARE) {
    this.g = new DapGen(prng(seed));
  }

  next(ids: LiveIds): LiveFuzzInput {
    const g = this.g;
    const requests: LiveFuzzInput['requests'] = [];
    const roll = g.int(100);
    if (roll < 55) return { bytes: this.request(ids, requests), requests, kind: 'request' };
    if (roll < 75) {
      const bytes = Array.from({ length: 2 + g.int(6) }, () => this.request(ids, requests));
      return { bytes: Buffer.concat(bytes), requests, kind: 'burst' };
    }
    if (roll < 85) {
      const seq = this.seq++;
      const command = g.pick(g.chance(0.8) ? LIVE_COMMANDS : OUT_OF_STATE);
      requests.push({ seq, command });
      return { bytes: frame(`{"seq":${seq},"type":"request","command":${JSON.stringify(command)},"arguments":${g.object(1)}}`), requests, kind: 'random-args' };
    }
    // Byte mutations: whatever the server makes of it, no answer is owed.
    return { bytes: frame(mutateBytes(g, Buffer.from(JSON.stringify(this.message(ids, 0))))), requests, kind: 'bytes' };
  }

  private request(ids: LiveIds, requests: LiveFuzzInput['requests']): Buffer {
    const m = this.message(ids, this.seq++);
    requests.push({ seq: m.seq, command: m.command });
    return frame(JSON.stringify(m));
  }

  private message(ids: LiveIds, seq: number): { seq: number; type: 'request'; command: string; arguments?: unknown } {
    const g = this.g;
    const id = (real: number[]): unknown => (real.length && g.chance(0.75) ? g.pick(real) : g.pick(BAD_IDS));
    if (g.chance(0.04)) {
      const command = g.chance(this.endingShare) ? g.pick(ENDING) : g.pick(OUT_OF_STATE);
      const args = command === 'launch' || command === 'attach' ? { type: 'kmirror', request: command, program: ids.source, ...(command === 'attach' ? { processId: 1 } : {}) }
        : command === 'terminate' ? { restart: g.chance(0.2) } : command === 'terminateThreads' ? { threadIds: [id(ids.threadIds)] } : command === 'initialize' ? { adapterID: 'fuzz' } : {};
      return { seq, type: 'request', command, arguments: args };
    }
    const command = g.pick(LIVE_COMMANDS);
    const args = LIVE[command]!(g, ids, id); // LIVE_COMMANDS are keys of LIVE
    return { seq, type: 'request', command, ...(args === undefined ? {} : { arguments: args }) };
  }
}

function frame(body: string | Buffer): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return Buffer.concat([Buffer.from(`Content-Length: ${bytes.length}\r\n\r\n`), bytes]);
}
