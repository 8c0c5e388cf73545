// Remote attach of a Go or Python process: which debugger container is placed in the target pod
// (image and pull policy from the `debugger` settings) and how it is told to listen on the pod's
// loopback with a port the kernel picks, which it then prints.
import { PACKAGE_VERSION } from '../cluster/agent-defaults.js';
import type { DebuggerSpec } from '../cluster/debugger-container.js';
import type { KmirrorConfig } from '../config/types.js';

export const DEFAULT_DEBUGGER_IMAGE = `kmirror/debugger:${PACKAGE_VERSION}`;

export type ContainerDebuggerKind = 'go' | 'python';

/** Where the debugger in the pod listens (its 127.0.0.1, reached through the agent). */
export interface PlacedDebugger {
  readonly container: string;
  readonly image: string;
  readonly host: string;
  readonly port: number;
}

const COMMANDS: Record<ContainerDebuggerKind, { prefix: string; command: string[]; readyLine: RegExp }> = {
  // One DAP client; it exits when that client disconnects (attach: the process is detached, not killed).
  go: { prefix: 'kmirror-dlv', command: ['/usr/local/bin/dlv', 'dap', '--listen', '127.0.0.1:0'], readyLine: /DAP server listening at:\s*\[?([^\]\s]+?)\]?:(\d+)/ },
  python: { prefix: 'kmirror-debugpy', command: ['/usr/local/bin/kmirror-debugpy'], readyLine: /debugpy listening at:\s*([^\s:]+):(\d+)/ },
};

export function debuggerSpec(kind: ContainerDebuggerKind, config: KmirrorConfig, timeoutMs: number, args: string[] = []): DebuggerSpec {
  const c = COMMANDS[kind];
  return {
    image: config.debugger?.image ?? DEFAULT_DEBUGGER_IMAGE, pullPolicy: config.debugger?.image_pull_policy ?? 'IfNotPresent',
    prefix: c.prefix, command: [...c.command, ...args], readyLine: c.readyLine, timeoutMs,
  };
}

/** The listen address a started container printed. */
export function listenAddress(ready: RegExpExecArray): { host: string; port: number } {
  return { host: ready[1] ?? '127.0.0.1', port: Number(ready[2]) };
}
