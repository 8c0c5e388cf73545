// `kmirror trace --target T GADGET [GADGET...] [--filter EXPR]... [--json | -o FILE]`: streams what
// the target does, observed by the agent's eBPF gadgets (adapter/runtime/trace/). On a terminal: a
// live table per gadget (adapter/cli/trace/live-view.ts); without one, with --json or -o: one JSON
// object per event per line. Ends on Ctrl-C, --count, --duration or when the agent ends the trace;
// the agent then detaches every program and the counters are printed on stderr.
import { createWriteStream, type WriteStream as FileStream } from 'node:fs';
import type { WriteStream as TtyStream } from 'node:tty';
import { TRACE_GADGET_DESCRIPTIONS, TRACE_GADGETS, isTraceGadget, startTrace, type TraceGadget, type TraceSession, type TracedEvent } from '#runtime/trace/trace-client.js';
import { KUBE_FLAG_OPTIONS, KUBE_FLAGS_USAGE } from '#runtime/cluster/kube-flags.js';
import { kernelFilter, matchesFilter, parseFilters } from '../trace/filter.js';
import { FILTER_KEYS } from '../trace/filter-keys.js';
import { eventJsonLine } from '#runtime/trace-view/event-json.js';
import { LiveScreen } from '../trace/live-screen.js';
import { LiveTraceView } from '../trace/live-view.js';
import { openTargetAgent } from '../trace/target-agent.js';
import { parseCommandLine, UsageError, type CliCommand, type CliIo } from './command.js';

const USAGE = `usage: kmirror trace --target TARGET GADGET [GADGET...] [--filter EXPR]... [--json | -o FILE]
                     [--count N] [--duration SECONDS] [--max-rate N] [-f CONFIG] [-v] ${KUBE_FLAGS_USAGE}
  GADGET:  ${TRACE_GADGETS.map((g) => `${g} (${TRACE_GADGET_DESCRIPTIONS[g]})`).join('\n           ')}
  --filter KEY=VALUE | KEY!=VALUE | KEY~REGEX | KEY!~REGEX, comma-separated, all must hold;
           keys: ${Object.keys(FILTER_KEYS).join(', ')}   e.g. --filter comm=curl,port=80
  --json   one JSON object per event per line on stdout (the default when stdout is not a terminal)
  -o FILE  the JSON lines go to FILE; the live table stays on the terminal
  --count N / --duration S   stop after N events shown / S seconds
  --max-rate N  events per second per gadget before the agent suppresses (and counts) the rest`;

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`${flag} expects a positive whole number, got "${v}"`);
  return Number(v);
}

function parseGadgets(names: readonly string[]): TraceGadget[] {
  if (!names.length) throw new UsageError(`no gadget given; gadgets: ${TRACE_GADGETS.join(', ')}`);
  const unknown = names.filter((n) => !isTraceGadget(n));
  if (unknown.length) throw new UsageError(`unknown gadget ${unknown.map((n) => `"${n}"`).join(', ')}; gadgets: ${TRACE_GADGETS.join(', ')}`);
  return [...new Set(names as TraceGadget[])];
}

function counters(trace: TraceSession): string {
  return [...trace.stats.values()].map((s) => `${s.gadget}: ${s.events} events, ${s.dropped} dropped, ${s.suppressed} suppressed, ${s.filtered} filtered`).join('; ');
}

export const traceCommand: CliCommand = {
  name: 'trace',
  summary: "watch a target's connections, DNS, process starts and file opens live (eBPF gadgets)",
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine({
      args: argv, allowPositionals: true, strict: true,
      options: {
        target: { type: 'string', short: 't' }, filter: { type: 'string', multiple: true }, json: { type: 'boolean' },
        output: { type: 'string', short: 'o' }, count: { type: 'string' }, duration: { type: 'string' }, 'max-rate': { type: 'string' },
        file: { type: 'string', short: 'f' }, verbose: { type: 'boolean', short: 'v' }, ...KUBE_FLAG_OPTIONS,
      },
    });
    const gadgets = parseGadgets(positionals);
    const terms = parseFilters(values.filter ?? []);
    const count = positiveInt('--count', values.count);
    const duration = positiveInt('--duration', values.duration);
    const maxRate = positiveInt('--max-rate', values['max-rate']);
    if (values.json && values.output) throw new UsageError('--json and -o FILE: choose one (-o writes the JSON lines to FILE)');
    const tty = process.stdout.isTTY === true && !values.json;

    const stopped = new AbortController();
    // The first Ctrl-C ends the trace cleanly (programs detached, counters printed); a second one exits at once.
    const onSignal = (): void => (stopped.signal.aborted ? process.exit(130) : stopped.abort());
    // A reader that went away (`kmirror trace --json | head`) ends the trace like Ctrl-C.
    const onStdoutError = (): void => stopped.abort();
    process.stdout.on('error', onStdoutError);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
    const agent = await openTargetAgent(values, io, stopped.signal).catch((err) => {
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, onSignal);
      process.stdout.off('error', onStdoutError);
      throw err;
    });
    let trace: TraceSession | undefined;
    let file: FileStream | undefined;
    let screen: LiveScreen | undefined;
    try {
      trace = await startTrace(agent.session, { gadgets, filter: kernelFilter(terms), ...(maxRate ? { maxEventsPerSecond: maxRate } : {}) });
      if (values.output) file = createWriteStream(values.output, { flags: 'w' });
      const view = new LiveTraceView(gadgets);
      view.status = `kmirror trace ${agent.session.target}: ${gadgets.join(', ')} — Ctrl-C ends`;
      if (tty) {
        screen = new LiveScreen(view, process.stdout as TtyStream);
        screen.start();
      } else io.stderr(`kmirror trace: tracing ${gadgets.join(', ')} in ${agent.session.target}\n`);
      let shown = 0;
      const onEvent = (e: TracedEvent): void => {
        if (stopped.signal.aborted) return;
        if (!matchesFilter(terms, e as unknown as Record<string, unknown>)) return view.hide(e);
        shown++;
        view.add(e);
        if (file) file.write(eventJsonLine(e));
        else if (!tty) io.stdout(eventJsonLine(e));
        if (count !== undefined && shown >= count) stopped.abort();
      };
      trace.on('event', onEvent);
      trace.on('stats', (s) => view.setStats(s));
      const timer = duration ? setTimeout(() => stopped.abort(), duration * 1000) : undefined;
      const t = trace;
      const endReason = await new Promise<string | undefined>((resolve) => {
        if (stopped.signal.aborted) return resolve(undefined);
        stopped.signal.addEventListener('abort', () => resolve(undefined), { once: true });
        t.once('end', (reason: string) => resolve(reason));
      });
      clearTimeout(timer);
      await trace.close();
      screen?.stop();
      screen = undefined;
      io.stderr(`kmirror trace: ${endReason ? `ended: ${endReason}. ` : ''}${counters(trace)}\n`);
      // An agent error (`CODE: message`) or a lost tunnel is a failure; the agent ending the trace itself (the target exited) is not.
      return endReason && /^[A-Z_]+: |^tunnel closed/.test(endReason) ? 1 : 0;
    } finally {
      screen?.stop();
      if (file) await new Promise<void>((resolve) => file!.end(() => resolve()));
      await trace?.close().catch(() => undefined);
      await agent.close();
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, onSignal);
      process.stdout.off('error', onStdoutError);
    }
  },
};
