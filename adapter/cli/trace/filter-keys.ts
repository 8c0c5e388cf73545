// The keys `--filter` knows and where each one looks in a trace event (TracedEvent,
// adapter/runtime/trace/README.md). A key reads several fields when an event has more than one
// that fits (a TCP event's source and destination port both count for `port`).

type Values = (event: Readonly<Record<string, unknown>>) => Array<string | number>;

export interface FilterKeySpec {
  type: 'number' | 'text';
  max?: number;
  description: string;
  values: Values;
}

/** Values at these dotted paths (`process.pid`, `remote.port`); arrays contribute each element. */
function fields(...paths: string[]): Values {
  return (event) => {
    const out: Array<string | number> = [];
    for (const path of paths) {
      let v: unknown = event;
      for (const part of path.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[part] : undefined;
      for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string' || typeof x === 'number') out.push(x);
    }
    return out;
  };
}

export const FILTER_KEYS = {
  pid: { type: 'number', description: 'process id (as the node sees it)', values: fields('process.pid') },
  ppid: { type: 'number', description: 'parent process id', values: fields('process.ppid') },
  uid: { type: 'number', description: 'user id of the process', values: fields('process.uid') },
  comm: { type: 'text', description: 'process name (the kernel comm, 15 characters)', values: fields('process.comm') },
  port: { type: 'number', max: 65535, description: 'local or remote port (tcp), client or server port (dns)', values: fields('local.port', 'remote.port', 'client.port', 'server.port') },
  addr: { type: 'text', description: 'local or remote address (tcp), client or server address (dns)', values: fields('local.address', 'remote.address', 'client.address', 'server.address') },
  name: { type: 'text', description: 'DNS question name (dns)', values: fields('name') },
  path: { type: 'text', description: 'file path (open) or program file (exec)', values: fields('path', 'filename') },
  kind: { type: 'text', description: 'connect, accept, close (tcp); query, answer (dns)', values: fields('kind') },
  gadget: { type: 'text', description: 'tcp, dns, exec or open', values: fields('gadget') },
} satisfies Record<string, FilterKeySpec>;

export type FilterKey = keyof typeof FILTER_KEYS;
