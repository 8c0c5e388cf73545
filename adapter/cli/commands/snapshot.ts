// `kmirror snapshot --target T processes|sockets [--json]`: the target's processes or sockets right
// now, as the agent reads them from /proc inside the target (adapter/runtime/trace/). A table on
// stdout, or with --json one JSON object per process or socket per line.
import { takeSnapshot, type SnapshotKind, type SnapshotProcess, type SnapshotSocket } from '#runtime/trace/trace-client.js';
import { KUBE_FLAG_OPTIONS, KUBE_FLAGS_USAGE } from '#runtime/cluster/kube-flags.js';
import { formatAddr, formatBytes } from '#runtime/trace-view/event-columns.js';
import { layoutTable, type ColumnSpec } from '../trace/table-layout.js';
import { openTargetAgent } from '../trace/target-agent.js';
import { parseCommandLine, UsageError, type CliCommand } from './command.js';

const KINDS: readonly SnapshotKind[] = ['processes', 'sockets'];

const USAGE = `usage: kmirror snapshot --target TARGET processes|sockets [--json] [-f CONFIG] [-v] ${KUBE_FLAGS_USAGE}
  processes  every process of the target: pid, ppid, user, state, memory, start, command line
  sockets    every TCP and UDP socket of the target: protocol, state, addresses, owning processes
  --json     one JSON object per process or socket per line`;

const PROCESS_COLUMNS: ColumnSpec[] = [
  { title: 'PID', align: 'right' }, { title: 'PPID', align: 'right' }, { title: 'UID', align: 'right' }, { title: 'S' },
  { title: 'RSS', align: 'right' }, { title: 'STARTED' }, { title: 'COMM', maxWidth: 15 }, { title: 'ARGV', flex: true },
];
const SOCKET_COLUMNS: ColumnSpec[] = [
  { title: 'PROTO' }, { title: 'STATE' }, { title: 'LOCAL', maxWidth: 47 }, { title: 'REMOTE', maxWidth: 47 },
  { title: 'UID', align: 'right' }, { title: 'PIDS', flex: true },
];

export function processRows(processes: readonly SnapshotProcess[]): string[][] {
  return [...processes].sort((a, b) => a.pid - b.pid).map((p) => [
    String(p.pid), String(p.ppid), String(p.uid), p.state, formatBytes(p.rssBytes),
    p.startTimeUs ? new Date(Math.floor(p.startTimeUs / 1000)).toISOString().slice(0, 19).replace('T', ' ') : '', p.comm,
    (p.argv.length ? p.argv : [`[${p.comm}]`]).join(' '),
  ]);
}

export function socketRows(sockets: readonly SnapshotSocket[]): string[][] {
  const order = (s: SnapshotSocket): string => `${s.protocol}${s.state === 'LISTEN' ? 0 : 1}${String(s.local.port).padStart(5, '0')}`;
  return [...sockets].sort((a, b) => order(a).localeCompare(order(b))).map((s) => [
    `${s.protocol}${s.ipv6 ? '6' : ''}`, s.state, formatAddr(s.local), s.remote.port ? formatAddr(s.remote) : '*', String(s.uid), s.pids.join(','),
  ]);
}

export const snapshotCommand: CliCommand = {
  name: 'snapshot',
  summary: "print a target's processes or sockets right now (from /proc inside the target)",
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine({
      args: argv, allowPositionals: true, strict: true,
      options: { target: { type: 'string', short: 't' }, json: { type: 'boolean' }, file: { type: 'string', short: 'f' }, verbose: { type: 'boolean', short: 'v' }, ...KUBE_FLAG_OPTIONS },
    });
    if (positionals.length !== 1 || !KINDS.includes(positionals[0] as SnapshotKind)) {
      throw new UsageError(`give one of ${KINDS.join(', ')}${positionals.length ? `, got "${positionals.join(' ')}"` : ''}`);
    }
    const kind = positionals[0] as SnapshotKind;
    const agent = await openTargetAgent(values, io);
    try {
      const snap = await takeSnapshot(agent.session, [kind]);
      const items: ReadonlyArray<SnapshotProcess | SnapshotSocket> = kind === 'processes' ? snap.processes : snap.sockets;
      if (values.json) {
        for (const item of items) io.stdout(`${JSON.stringify(item)}\n`);
      } else {
        const rows = kind === 'processes' ? processRows(snap.processes) : socketRows(snap.sockets);
        const width = process.stdout.isTTY ? Math.max(40, (process.stdout.columns || 100) - 1) : 200;
        io.stdout(`${layoutTable(kind === 'processes' ? PROCESS_COLUMNS : SOCKET_COLUMNS, rows, width).join('\n')}\n`);
      }
      return 0;
    } finally {
      await agent.close();
    }
  },
};
