// How debuggees are started: under the kmirror layer when a target is connected (through the
// workstation session's wrapCommand, contract C), or plainly when there is no target. Backends
// use only this interface, so they never know whether a cluster is involved. The layer applies
// to the debuggee only: debuggers are spawned directly, and their ports are excluded.

import type { KmirrorStatusBody } from './dap-custom.js';

export interface WrappedCommand {
  command: string;
  args: string[];
  /** The complete environment for the process. */
  env: Record<string, string>;
}

export interface DebuggeeLayer {
  /** True when a target is connected and commands are wrapped by the layer launcher. */
  readonly active: boolean;
  /** The target's environment (after include/exclude/override); empty without a target. */
  readonly targetEnv: Record<string, string>;
  /**
   * argv + env for starting a debuggee. `env` (the launch config's) wins over the target's env,
   * which wins over kmirror-dap's own environment. `excludePorts` are never trapped (debugger ports).
   */
  wrap(argv: string[], opts?: { env?: Record<string, string>; excludePorts?: number[] }): WrappedCommand;
  /** Status for the `kmirror/status` event (agent ready, subscriptions, traffic counters). */
  status(): Record<string, unknown>;
  /** Notifies when status() changes (agent lost, new subscription). */
  onDidChangeStatus?(listener: () => void): void;
  close(): Promise<void>;
}

function processEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** No target: commands run as given, with kmirror-dap's environment plus the launch env. */
export function directLayer(): DebuggeeLayer {
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
