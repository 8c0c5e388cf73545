// The direct layer: how debuggees start when no target is connected (commands run as given). With
// a target, target-layer.ts opens the WorkstationSession instead, whose wrapCommand starts them
// under the layer launcher. Both implement DebuggeeLayer (../backends/contract.ts), the only
// thing backends see of either.
import type { DebuggeeLayer } from '../backends/contract.js';
import type { TraceOptions, TraceSession } from '#runtime/trace/trace-client.js';
import type { KmirrorStatusBody } from './dap-custom.js';

export type { DebuggeeLayer } from '../backends/contract.js';

/** What the server holds of a layer: the backends' view plus, with a target, its trace gadgets. */
export interface ServerLayer extends DebuggeeLayer {
  /** Present when a target is connected (launch field `trace`). */
  startTrace?(opts: TraceOptions): Promise<TraceSession>;
}

function processEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** No target: commands run as given, with kmirror-dap's environment plus the launch env. */
export function directLayer(): ServerLayer {
  return {
    active: false,
    targetEnv: {},
    wrap(argv, opts) {
      const [command, ...args] = argv;
      if (!command) throw new Error('empty command');
      return { command, args, env: { ...processEnv(), ...(opts?.env ?? {}) } };
    },
    status: () => ({ target: null, agent: 'none' } satisfies KmirrorStatusBody),
    close: async () => {},
  };
}
