// The bound on a debugger's answer: a request kmirror-dap forwards and the debugger leaves
// unanswered (debugpy with its evaluating thread deadlocked, a program stuck in an evaluated
// call) is answered by kmirror-dap itself once the bound passes, with an error naming the debugger
// and the command; the user is told once per session through an `output` event. The debugger's
// late answer then settles a promise nobody waits on any more: the client never gets a second
// response for one seq (the connection answers each request once, with the first settlement).
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DebuggerKind } from '../backends/registry.js';
import { DapError } from '../common/errors.js';

/** Most requests: the debugger answers from what it holds (threads, frames, variables, breakpoints). */
export const DEFAULT_ANSWER_TIMEOUT_MS = 30_000;
/** An evaluation the user typed or copied runs the program's own code, which may take a while. */
export const USER_EVALUATION_TIMEOUT_MS = 120_000;
/** launch/attach (and starting the debugger): dlv builds the program, debugpy answers only after configurationDone, remote attach places a container (at least twice `targetTimeoutMs`). */
export const LAUNCH_ANSWER_TIMEOUT_MS = 300_000;

/** Node's timers fire at once beyond this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How each debugger is named in the messages. */
const DEBUGGER_NAMES: Readonly<Record<DebuggerKind, string>> = {
  go: 'dlv', python: 'debugpy', node: 'the Node bridge', lldb: 'lldb-dap', dotnet: 'netcoredbg',
};

/**
 * The bound for `command` in ms. `configured` (launch field `answerTimeoutMs`) replaces the
 * default for every request; launch and attach (`args`: the launch configuration) keep at least
 * LAUNCH_ANSWER_TIMEOUT_MS.
 */
export function answerBoundMs(command: string, args: Record<string, unknown>, configured?: number): number {
  if (command === 'launch' || command === 'attach') {
    const target = typeof args.targetTimeoutMs === 'number' ? 2 * args.targetTimeoutMs : 0;
    return Math.min(Math.max(configured ?? 0, LAUNCH_ANSWER_TIMEOUT_MS, target), MAX_TIMER_MS);
  }
  if (configured !== undefined) return configured;
  const context = (args as Partial<DebugProtocol.EvaluateArguments>).context;
  if (command === 'evaluate' && (context === 'repl' || context === 'clipboard' || context === undefined)) return USER_EVALUATION_TIMEOUT_MS;
  return DEFAULT_ANSWER_TIMEOUT_MS;
}

/** Requests that run the program's own code (an expression, a property setter). */
const RUNS_PROGRAM_CODE: ReadonlySet<string> = new Set(['evaluate', 'setExpression', 'setVariable', 'completions']);

function inWords(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

export class AnswerBound {
  private told = false;
  private readonly name: string;

  /** `tell` shows text to the user (an `output` event); `log` records late answers. */
  constructor(kind: string, private readonly configured: number | undefined,
    private readonly tell: (text: string) => void, private readonly log: (text: string) => void) {
    this.name = (DEBUGGER_NAMES as Readonly<Record<string, string>>)[kind] ?? kind;
  }

  /** `answer`, or a TIMEOUT DapError once the bound for `command` passes first. */
  async run<T>(command: string, args: Record<string, unknown>, answer: Promise<T>): Promise<T> {
    const ms = answerBoundMs(command, args, this.configured);
    let timer: NodeJS.Timeout | undefined;
    let expired = false;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expired = true;
        reject(this.expire(command, ms));
      }, ms);
    });
    try {
      return await Promise.race([answer, bound]);
    } finally {
      clearTimeout(timer);
      if (expired) void answer.then(() => this.log(`${this.name} answered ${command} after ${inWords(ms)}; the answer was dropped (already answered)`), () => undefined);
    }
  }

  private expire(command: string, ms: number): DapError {
    const hint = RUNS_PROGRAM_CODE.has(command) ? ' (or the program is stuck in the code it runs for this request)' : '';
    const message = `${this.name} did not answer \`${command}\` within ${inWords(ms)}; it may be deadlocked${hint}. `
      + 'kmirror-dap answered the request itself and drops a late answer; other requests still go to the debugger (if they time out too, restart the debug session)';
    if (!this.told) {
      this.told = true;
      this.tell(`kmirror-dap: ${message}. Bound: launch field "answerTimeoutMs".\n`);
    }
    return new DapError('TIMEOUT', message);
  }
}
