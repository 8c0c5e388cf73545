// Evaluation for the Node bridge: on a call frame while paused (Debugger.evaluateOnCallFrame), in
// the global scope otherwise (Runtime.evaluate). An evaluation while the program runs can pause
// inside (a pause requested just before, a breakpoint or an exception pause in code it calls), and
// V8 answers it only once the program resumes. Such an evaluate is answered when that stop is
// reported, with an error that says so; its value, when it finishes, goes to the debug console.
import type { CdpClient } from './cdp-client.js';
import type { CallFrame } from './stack.js';
import { formatValue, type RemoteObject } from './remote-object.js';
import { DapError } from '../../common/errors.js';

interface EvaluateResult {
  result: RemoteObject;
  exceptionDetails?: { text: string; exception?: RemoteObject };
}

const QUOTED_CHARS = 80;

function quoted(expression: string): string {
  return JSON.stringify(expression.length > QUOTED_CHARS ? `${expression.slice(0, QUOTED_CHARS)}…` : expression);
}

/** DAP arguments are the client's: an expression that is not a string is refused, never run. */
function expressionOf(expression: unknown): string {
  if (typeof expression !== 'string') throw new DapError('BAD_REQUEST', `evaluate: "expression" must be a string (got ${expression === null ? 'null' : typeof expression})`);
  return expression;
}

function exceptionText(r: EvaluateResult): string | undefined {
  if (!r.exceptionDetails) return undefined;
  return r.exceptionDetails.exception?.description?.split('\n')[0] ?? r.exceptionDetails.text;
}

function checked(r: EvaluateResult): RemoteObject {
  const failure = exceptionText(r);
  if (failure !== undefined) throw new DapError('BAD_REQUEST', failure);
  return r.result;
}

export class Evaluator {
  private evaluations = 0;
  /** Script URL of an evaluation in flight while the program ran → answers it when a stop inside it is reported. */
  private readonly running = new Map<string, () => void>();

  constructor(private readonly cdp: CdpClient, private readonly print: (line: string) => void) {}

  async onFrame(frame: CallFrame, given: unknown): Promise<RemoteObject> {
    const expression = expressionOf(given);
    return checked(await this.cdp.send<EvaluateResult>('Debugger.evaluateOnCallFrame', { callFrameId: frame.callFrameId, expression }));
  }

  async global(given: unknown): Promise<RemoteObject> {
    const expression = expressionOf(given);
    // Paused: V8 does not pause again inside an evaluation.
    if (this.cdp.isPaused) return checked(await this.cdp.send<EvaluateResult>('Runtime.evaluate', { expression, includeCommandLineAPI: true }));
    // Named, so that a stop inside it can be told from a stop elsewhere in the program.
    const url = `kmirror-evaluate-${++this.evaluations}`;
    const call = this.cdp.send<EvaluateResult>('Runtime.evaluate', { expression: `${expression}\n//# sourceURL=${url}`, includeCommandLineAPI: true });
    const pausedInside = new Promise<'paused'>((resolve) => this.running.set(url, () => resolve('paused')));
    let first: EvaluateResult | 'paused';
    try {
      first = await Promise.race([call, pausedInside]);
    } finally {
      this.running.delete(url);
    }
    if (first !== 'paused') return checked(first);
    void call.then((r) => this.print(`${quoted(expression)} finished: ${exceptionText(r) ?? formatValue(r?.result)}`)).catch(() => undefined /* session ended first */);
    throw new DapError('WRONG_STATE', `evaluate: the program paused inside ${quoted(expression)} (a pause or a breakpoint was pending); `
      + 'it finishes when the program continues, and its value is then printed to the debug console');
  }

  /** A stop is reported, in scripts with these URLs: evaluations the program paused inside are answered now. */
  stoppedIn(scriptUrls: string[]): void {
    for (const [url, answer] of this.running) if (scriptUrls.includes(url)) answer();
  }
}
