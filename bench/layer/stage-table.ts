// Reads a KMIRROR_STAGE_TRACE file (lines "<monotonic ns> <stage> <pid>" from the layer's
// supervisor, the proxy and the agent) and prints where the time of one connect goes: connects run
// one after another, so each connect is the events from one `layer.trap` to the next. Each row is
// the median time between two consecutive stages, labelled by the stage reached.
import { readFileSync } from 'node:fs';

const WHAT: Record<string, string> = {
  'layer.asked': 'trap: supervisor reads the address, takes the socket (pidfd_getfd), sends Connect',
  'proxy.request': 'layer → proxy (unix socket, proxy event loop, decode)',
  'proxy.decided': 'proxy decision (outgoing filter)',
  'agent.request': 'tunnel request (proxy → WebSocket → agent)',
  'agent.connected': 'agent connect in the namespace (a spare socket, else the native helper)',
  'tunnel.reply': 'reply (agent → WebSocket → proxy)',
  'proxy.listening': 'one-shot loopback listener ready (opened while the agent connects)',
  'layer.answer': 'answer → layer (unix socket, supervisor wakes)',
  'layer.handed': "fd hand-over: the program's socket connected to the relay",
  'proxy.accepted': 'relay accepts the connection',
  'proxy.peer-checked': 'admission: same-user check (the address the layer reported, else the sock_diag helper)',
  'relay.request': "program's request reaches the relay",
  'agent.request-data': 'request → agent (tunnel)',
  'agent.response-data': 'target answers (inside the namespace)',
  'relay.response': 'response → relay (tunnel)',
  'relay.program-fin': 'the program shut its socket down (FIN)',
  'relay.closed': 'the program closed its socket (the relay tears the connection down)',
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Prints the stage table of `file`; returns the median total (µs) from trap to the last stage. */
export function printStageTable(file: string, indent = '   '): number {
  const events = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => {
    const [ns = '0', stage = ''] = l.split(' ');
    return { t: BigInt(ns), stage };
  }).sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  const groups: Array<typeof events> = [];
  for (const e of events) {
    if (e.stage === 'layer.trap') groups.push([e]);
    else groups.at(-1)?.push(e);
  }
  const connects = groups.filter((g) => g.some((e) => e.stage === 'layer.asked'));
  // The rest of one iteration: the response reaches the program, which closes and connects again.
  const rest: number[] = [];
  for (let i = 0; i + 1 < groups.length; i++) {
    const last = groups[i]!.at(-1)!;
    if (groups[i]!.some((e) => e.stage === 'relay.response')) rest.push(Number(groups[i + 1]![0]!.t - last.t) / 1000);
  }
  const deltas = new Map<string, number[]>();
  const totals: number[] = [];
  for (const g of connects) {
    const seen = new Set<string>();
    let prev = g[0]!;
    for (const e of g.slice(1)) {
      if (seen.has(e.stage)) continue;   // first occurrence only
      seen.add(e.stage);
      const list = deltas.get(e.stage) ?? [];
      list.push(Number(e.t - prev.t) / 1000);
      deltas.set(e.stage, list);
      prev = e;
    }
    totals.push(Number(prev.t - g[0]!.t) / 1000);
  }
  console.log(`${indent}stage table (median µs over ${connects.length} connects; each row: time since the previous stage)`);
  for (const [stage, xs] of deltas) {
    console.log(`${indent}  ${median(xs).toFixed(0).padStart(6)}  ${stage.padEnd(20)} ${WHAT[stage] ?? ''}${xs.length < connects.length ? ` (${xs.length} of ${connects.length})` : ''}`);
  }
  if (rest.length) console.log(`${indent}  ${median(rest).toFixed(0).padStart(6)}  ${'(next trap)'.padEnd(20)} response → program, close, next connect trapped`);
  const total = median(totals);
  console.log(`${indent}  ${total.toFixed(0).padStart(6)}  total (trap → response back at the relay)`);
  return total;
}
