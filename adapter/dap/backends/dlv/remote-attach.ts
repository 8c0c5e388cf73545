// Remote attach to a Go process in a pod: the agent checks the process is a Go program and holds
// it for this session (before anything is created), a debugger container running `dlv dap` is
// placed beside it (sharing its PID namespace), and kmirror-dap relays DAP between the editor and
// that dlv through the tunnel (dlv listens on the pod's 127.0.0.1, never exposed outside the pod).
// Detach: dlv detaches from a process it attached to (never kills it) and exits with its client.
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import type { BackendContext, BackendSession } from '../backend.js';
import type { RemoteProcessAccess } from '../contract.js';
import { withTimeout } from '../../common/errors.js';
import { ProxySession } from '../proxy-session.js';
import { RemoteDapLink } from '../remote-dap-link.js';
import { announceRemoteStops } from '../remote-probe-warning.js';
import { watchSessionEnd } from '../remote-session-end.js';
import { followRestarts, type FollowHooks } from '../follow-restarts.js';
import { remoteDlvAttachArgs, withPtraceHint } from './remote-attach-args.js';

const DEFAULT_START_MS = 60_000;
const CONNECT_MS = 10_000;

export async function attachRemoteGo(ctx: BackendContext, remote: RemoteProcessAccess): Promise<BackendSession> {
  if (ctx.config.followRestarts) return followRestarts(ctx, remote, (c, follow) => attachGoOnce(c, remote, follow));
  return attachGoOnce(ctx, remote);
}

/** One attach (a new debugger container each time); `follow.onGone` (following restarts) is called instead of ending the session. */
async function attachGoOnce(ctx: BackendContext, remote: RemoteProcessAccess, follow?: FollowHooks): Promise<BackendSession> {
  const { config } = ctx;
  const held = await remote.holdProcess({ pid: config.processId ?? 0, debugger: 'go' });
  follow?.attachedTo(held.pid, held.command);
  let socket: Duplex | undefined;
  try {
    const dlv = await remote.startDebugger('go', config.targetTimeoutMs ?? DEFAULT_START_MS);
    ctx.log.log('info', 'backend', `debugger container ${dlv.container} (${dlv.image}) runs dlv on ${dlv.host}:${dlv.port} in ${remote.target}; attaching to process ${held.pid} (${held.detail})`);
    socket = await withTimeout(remote.connect(dlv.host, dlv.port), CONNECT_MS, `connecting to dlv in debugger container ${dlv.container}`);
    if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    if (!follow?.again) await announceRemoteStops(ctx, remote); // snapshot mode: session.ts's SnapshotSink turns breakpoint stops into snapshots
    const endReason = await watchSessionEnd(remote, { link: `dlv in debugger container ${dlv.container}`, following: !!follow });
    const session = new ProxySession({
      name: 'dlv', ctx, debugger: new RemoteDapLink(socket), input: socket, output: socket, adapterID: 'go',
      launch: { command: 'attach', args: remoteDlvAttachArgs(config, held.pid) },
      // The process belongs to the cluster: detach never ends it, whatever the editor asks.
      rewriteRequest: (command, args) => (command === 'disconnect' ? { ...args, terminateDebuggee: false } : args),
      cleanup: () => held.release(),
      endReason, ...(follow ? { onGone: follow.onGone } : {}),
    });
    const attach = session.launch.bind(session);
    session.launch = () => attach().catch((e: unknown) => { throw withPtraceHint(e); });
    return await session.initialize();
  } catch (e) {
    if (socket) {
      socket.destroy();
      await once(socket, 'close').catch(() => undefined);
    }
    held.release();
    throw e;
  }
}
