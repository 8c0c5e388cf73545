// `kmirror-dap run`: launches the program through a headless debug session, prints the --print
// values at every breakpoint hit, continues, and decides the exit code:
//   the program's own exit code when it ends by itself; 0 after --count hits; 124 at --timeout
//   (as timeout(1)); 130 on SIGINT; 1 when the session fails (launch refused, adapter gone).
// Steps: start session → warn about unverified breakpoints → loop over stops → close → end line.
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { debugSession as defaultDebugSession } from '../api/debug-session.js';
import type { DebugSession, DebugSessionOptions, SessionEnd, Stop } from '../api/types.js';
import type { RunOptions } from './run-args.js';
import { formatEnd, formatHitJson, formatHitText, formatSnapshotJson, formatTraceJson, isSnapshot, TRACE_CATEGORY, type EndRecord, type EvaluatedValue } from './run-output.js';

export interface RunIo {
  stdout: Writable;
  stderr: Writable;
  /** Lets tests and the CLI inject the adapter (default: kmirror-dap beside this bundle). */
  adapter?: DebugSessionOptions['adapter'];
  /** Resolves when the user interrupts (SIGINT); the run then stops the program. */
  interrupted?: Promise<void>;
  debugSession?: (opts: DebugSessionOptions) => Promise<DebugSession>;
}

export const EXIT_TIMEOUT = 124;
export const EXIT_INTERRUPTED = 130;
const HIT_REASONS = new Set(['breakpoint', 'function breakpoint', 'data breakpoint', 'instruction breakpoint']);

/** Runs the whole headless session and returns the process exit code. */
export async function runHeadless(opts: RunOptions, io: RunIo): Promise<number> {
  const cwd = opts.cwd ?? process.cwd();
  const programOutput = opts.json ? io.stderr : io.stdout;
  let session: DebugSession;
  let hits = 0;
  // Snapshot mode (--non-breaking): hits arrive as output events, the program never stops.
  let onSnapshotCount: (() => void) | undefined;
  const snapshotHit = (text: string, data: unknown): void => {
    hits++;
    io.stdout.write(opts.json ? formatSnapshotJson(data) : text);
    if (opts.count !== undefined && hits >= opts.count) onSnapshotCount?.();
  };
  try {
    session = await (io.debugSession ?? defaultDebugSession)({
      adapter: io.adapter,
      ...(opts.attach ? { request: 'attach' as const } : {}),
      launch: opts.attach ? {
        request: 'attach', name: 'kmirror-dap run --attach', target: opts.target, configFile: opts.configFile, cwd, ...opts.attach,
        ...(opts.nonBreaking ? { nonBreaking: true } : {}),
        ...(opts.attach.localRoot ? { localRoot: resolve(cwd, opts.attach.localRoot) } : {}),
      } : {
        request: 'launch',
        name: 'kmirror-dap run',
        target: opts.target,
        configFile: opts.configFile,
        debugger: opts.launch?.debugger,
        program: opts.launch?.program,
        args: opts.launch?.args,
        cwd,
        env: Object.keys(opts.env).length ? opts.env : undefined,
        console: 'internalConsole',
        ...(opts.trace.length ? { trace: opts.trace } : {}),
        ...(opts.nonBreaking ? { nonBreaking: true } : {}),
      },
      breakpoints: opts.breakpoints,
      onOutput: (category, text, data) => {
        // Trace events: JSON lines beside the hits with --json, else readable lines on stderr.
        if (isSnapshot(data)) snapshotHit(text, data);
        else if (category === TRACE_CATEGORY) (opts.json ? io.stdout : io.stderr).write(opts.json ? formatTraceJson(data) : text);
        else if (category !== 'telemetry') (category === 'stdout' ? programOutput : io.stderr).write(text);
      },
    });
  } catch (e) {
    return finish(io, opts, { reason: 'error', exitCode: 1, hits: 0, message: `launch failed: ${(e as Error).message}` });
  }
  for (const bp of session.breakpoints) {
    if (!bp.verified) {
      io.stderr.write(`kmirror-dap run: breakpoint ${bp.spec.file}:${bp.spec.line} not verified yet${bp.message ? `: ${bp.message}` : ''}\n`);
    }
  }

  if (opts.replay) {
    try {
      const started = (await session.customRequest('kmirror/replay', opts.replay, 60_000)) as { host: string; port: number; items: { id: string; label: string }[] };
      io.stderr.write(`kmirror-dap run: replaying ${started.items.map((i) => `${i.id} (${i.label})`).join(', ')} into ${started.host}:${started.port}\n`);
    } catch (e) {
      await session.close();
      return finish(io, opts, { reason: 'error', exitCode: 1, hits: 0, message: `--replay: ${(e as Error).message}` });
    }
  }

  let stopReason: 'count' | 'timeout' | 'interrupted' | undefined;
  // An attached process is never ended by the run (the bridge never kills one in a target anyway).
  const closeOpts = opts.attach ? { terminateDebuggee: false } : {};
  const stopEarly = (reason: 'timeout' | 'interrupted') => {
    stopReason ??= reason;
    void session.close(closeOpts);
  };
  const timer = opts.timeoutSeconds ? setTimeout(() => stopEarly('timeout'), opts.timeoutSeconds * 1000) : undefined;
  void io.interrupted?.then(() => stopEarly('interrupted'));
  onSnapshotCount = () => { stopReason ??= 'count'; void session.close(closeOpts); };
  if (opts.count !== undefined && hits >= opts.count) onSnapshotCount();
  try {
    for await (const stop of session) {
      if (!HIT_REASONS.has(stop.reason)) {
        if (stop.reason !== 'entry') io.stderr.write(`kmirror-dap run: stopped (${stop.reason}) at ${stop.file ?? '?'}:${stop.line ?? '?'}; continuing\n`);
        continue;
      }
      hits++;
      const record = { hit: hits, file: stop.file, line: stop.line, function: stop.function, values: await evaluateAll(stop, opts.prints) };
      io.stdout.write(opts.json ? formatHitJson(record) : formatHitText(record, cwd));
      if (opts.count !== undefined && hits >= opts.count) {
        stopReason ??= 'count';
        break;
      }
    }
  } catch (e) {
    // A request failing because close() already ended the session is the expected way out.
    if (!stopReason) {
      clearTimeout(timer);
      await session.close(closeOpts);
      return finish(io, opts, { reason: 'error', exitCode: 1, hits, message: (e as Error).message });
    }
  }
  clearTimeout(timer);
  const end = stopReason ? await session.close(closeOpts) : await session.ended;
  if (!stopReason) await session.close(closeOpts);
  return finish(io, opts, endRecord(stopReason, end, hits));
}

async function evaluateAll(stop: Stop, expressions: readonly string[]): Promise<EvaluatedValue[]> {
  const values: EvaluatedValue[] = [];
  for (const expression of expressions) {
    try {
      values.push({ expression, value: await stop.evaluate(expression) });
    } catch (e) {
      values.push({ expression, error: (e as Error).message.replace(/^DAP evaluate: /, '') });
    }
  }
  return values;
}

function endRecord(stopReason: 'count' | 'timeout' | 'interrupted' | undefined, end: SessionEnd, hits: number): EndRecord {
  if (stopReason === 'count') return { reason: 'count', exitCode: 0, hits };
  if (stopReason === 'timeout') return { reason: 'timeout', exitCode: EXIT_TIMEOUT, hits };
  if (stopReason === 'interrupted') return { reason: 'interrupted', exitCode: EXIT_INTERRUPTED, hits };
  if (end.exitCode !== undefined) return { reason: 'exited', exitCode: end.exitCode, programExitCode: end.exitCode, hits };
  if (end.error) return { reason: 'error', exitCode: 1, hits, message: `the debug session failed: ${end.error}` };
  return { reason: 'terminated', exitCode: 0, hits };
}

function finish(io: RunIo, opts: RunOptions, rec: EndRecord): number {
  (opts.json ? io.stdout : io.stderr).write(formatEnd(rec, opts.json));
  if (opts.json && rec.reason === 'error') io.stderr.write(formatEnd(rec, false));
  return rec.exitCode;
}
