// The keys `--filter` knows and where each one looks in a trace event (the JSON shape of
// adapter/runtime/trace/README.md). A key reads several fields when an event has more than one
// that fits (a TCP event's source and destination port both count for `port`).

type Values = (event: Readonly<Record<string, unknown>>) => Array<string | number>;

export interface FilterKeySpec {
  type: 'number' | 'text';
  max?: number;
  description: string;
  values: Values;
}

function fields(...names: string[]): Values {
  return (event) => {
    const out: Array<string | number> = [];
    for (const name of names) {
      const v = event[name];
      if (typeof v === 'string' || typeof v === 'number') out.push(v);
      else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string' || typeof x === 'number') out.push(x);
    }
    return out;
  };
}

export const FILTER_KEYS = {
  pid: { type: 'number', description: 'process id', values: fields('pid') },
  ppid: { type: 'number', description: 'parent process id (exec)', values: fields('ppid') },
  comm: { type: 'text', description: 'process name (the kernel comm, 15 characters)', values: fields('comm') },
  port: { type: 'number', max: 65535, description: 'source or destination port (tcp, dns)', values: fields('sport', 'dport') },
  addr: { type: 'text', description: 'source or destination address (tcp, dns)', values: fields('saddr', 'daddr') },
  name: { type: 'text', description: 'DNS query name (dns)', values: fields('name') },
  path: { type: 'text', description: 'file path (open) or program (exec)', values: fields('path', 'filename') },
  type: { type: 'text', description: 'event type within a gadget (connect, accept, close, query, answer, ...)', values: fields('type', 'kind') },
  gadget: { type: 'text', description: 'the gadget (tcp, dns, exec, open)', values: fields('gadget') },
} satisfies Record<string, FilterKeySpec>;

export type FilterKey = keyof typeof FILTER_KEYS;
