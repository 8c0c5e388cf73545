// The DAP client of the remote-attach and snapshot e2e tests: a DebugClient on a kmirror-dap process of this
// checkout (dist/kmirror-dap.js over stdio; the test sets KUBECONFIG for it), the attach arguments for a workload
// in the cluster, the attach handshake in the order the debugger needs, and a crash of kmirror-dap.
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

export const KMIRROR_DAP = resolve(fileURLToPath(import.meta.url), '../../../../dist/kmirror-dap.js');

/** A DebugClient for a new kmirror-dap, not started. Attaching places pods: 90 s a request. */
export function newAttachClient(): DebugClient {
  const dc = new DebugClient('node', KMIRROR_DAP, 'kmirror');
  dc.defaultTimeout = 90_000;
  return dc;
}

/** Starts `dc`'s kmirror-dap and initializes it (stopping `dc` stays the caller's). */
export async function initializeClient(dc: DebugClient): Promise<void> {
  await dc.start();
  await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
}

/** A new client, `listen` adding its event listeners, started and initialized; stopped again when that fails. */
export async function startAttachClient(listen?: (dc: DebugClient) => void): Promise<DebugClient> {
  const dc = newAttachClient();
  listen?.(dc);
  try {
    await initializeClient(dc);
  } catch (err) {
    await dc.stop();
    throw err;
  }
  return dc;
}

export interface AttachTarget {
  debugger: 'node' | 'go' | 'python';
  /** e.g. deploy/web */
  target: string;
  namespace: string;
  /** More of the `kmirror` config (agent, debugger, ...), beside the target. */
  kmirror?: Record<string, unknown>;
}

/** Attach arguments for `target`; `extra` (localRoot, remoteRoot, nonBreaking, ...) overrides the defaults. */
export function kmirrorAttachArgs(to: AttachTarget, extra: Record<string, unknown> = {}): DebugProtocol.AttachRequestArguments {
  return {
    type: 'kmirror', request: 'attach', debugger: to.debugger,
    kmirror: { target: { path: to.target, namespace: to.namespace }, ...to.kmirror },
    targetTimeoutMs: 90_000, ...extra,
  } as DebugProtocol.AttachRequestArguments;
}

export interface Handshake {
  /**
   * debugpy answers `attach` only after `configurationDone`: send attach, wait for `initialized`, run `configure`,
   * send configurationDone, then wait for the attach answer. Without it (Node, dlv) the attach answer is awaited
   * with `initialized`, and configuring and configurationDone are the caller's.
   */
  configurationDoneBeforeAnswer?: boolean;
  /** Breakpoints and the like, before configurationDone (only with configurationDoneBeforeAnswer). */
  configure?: (dc: DebugClient) => Promise<void>;
}

/** Sends attach and waits for `initialized` and the answer, in the order `handshake` says. */
export async function attach(dc: DebugClient, args: DebugProtocol.AttachRequestArguments, handshake: Handshake = {}): Promise<void> {
  if (!handshake.configurationDoneBeforeAnswer) {
    await Promise.all([dc.waitForEvent('initialized'), dc.attachRequest(args)]);
    return;
  }
  const initialized = dc.waitForEvent('initialized');
  const attached = dc.attachRequest(args);
  try {
    await initialized;
    await handshake.configure?.(dc);
    await dc.configurationDoneRequest();
  } catch (err) {
    attached.catch(() => undefined); // the failure above is the one to report
    throw err;
  }
  await attached;
}

/** startAttachClient(listen), then attached with `args`; stopped again when that fails. */
export async function startAttached(args: DebugProtocol.AttachRequestArguments, handshake: Handshake = {}, listen?: (dc: DebugClient) => void): Promise<DebugClient> {
  const dc = await startAttachClient(listen);
  try {
    await attach(dc, args, handshake);
  } catch (err) {
    await dc.stop();
    throw err;
  }
  return dc;
}

/** The attach error's message, or "attached" (then detached); the client is stopped either way. */
export async function attachError(args: DebugProtocol.AttachRequestArguments): Promise<string> {
  const dc = await startAttachClient();
  try {
    return await dc.attachRequest(args).then(async () => { await dc.disconnectRequest({}); return 'attached'; }, (e: Error) => e.message);
  } finally {
    await dc.stop();
  }
}

/** A crash, not a detach: SIGKILL to `dc`'s kmirror-dap, so no disconnect reaches the debugger (then no dc.stop()). */
export function killAdapter(dc: DebugClient): void {
  const adapter = (dc as unknown as { _adapterProcess?: ChildProcess })._adapterProcess;
  if (!adapter?.pid) throw new Error('kmirror-dap is not running');
  adapter.kill('SIGKILL');
}
