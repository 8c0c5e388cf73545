// Remote attach to a running Python process by pid (no `debugpy --listen` needed): the agent checks the
// process is a Python interpreter and holds it for this session (before anything is placed), a debugger
// container runs kmirror-debugpy beside it (sharing its PID namespace): it copies debugpy into the
// target's /tmp and starts debugpy's adapter on the pod's 127.0.0.1, which kmirror-dap reaches through
// the tunnel. The DAP `attach` with processId makes the adapter inject debugpy into the interpreter.
// Detach: debugpy removes its breakpoints and resumes; the container then stops the adapter, removes
// the copy and exits.
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import type { BackendContext, BackendSession } from '../backend.js';
import type { RemoteProcessAccess } from '../contract.js';
import { withTimeout } from '../../common/errors.js';
import { ProxySession } from '../proxy-session.js';
import { RemoteDapLink } from '../remote-dap-link.js';
import { announceRemoteStops } from '../remote-probe-warning.js';
import { watchSessionEnd } from '../remote-session-end.js';
import { remoteDebugpyAttachArgs } from './remote-attach-args.js';

const DEFAULT_START_MS = 60_000;
const CONNECT_MS = 10_000;

export async function attachRemotePythonByPid(ctx: BackendContext, remote: RemoteProcessAccess): Promise<BackendSession> {
  const { config } = ctx;
  const held = await remote.holdProcess({ pid: config.processId ?? 0, debugger: 'python' });
  let socket: Duplex | undefined;
  try {
    const placed = await remote.startDebugger('python', config.targetTimeoutMs ?? DEFAULT_START_MS, ['--pid', String(held.pid)]);
    ctx.log.log('info', 'backend', `debugger container ${placed.container} (${placed.image}) runs debugpy's adapter on ${placed.host}:${placed.port} in ${remote.target}; injecting into process ${held.pid} (${held.detail})`);
    socket = await withTimeout(remote.connect(placed.host, placed.port), CONNECT_MS, `connecting to debugpy in debugger container ${placed.container}`);
    await announceRemoteStops(ctx, remote); // snapshot mode: session.ts's SnapshotSink turns breakpoint stops into snapshots
    const endReason = await watchSessionEnd(remote, { link: `debugpy in debugger container ${placed.container}` });
    const session = new ProxySession({
      name: 'debugpy', ctx, debugger: new RemoteDapLink(socket), input: socket, output: socket, adapterID: 'python',
      launch: { command: 'attach', args: { ...remoteDebugpyAttachArgs(config), processId: held.pid } },
      // The process belongs to the cluster: detach never ends it, whatever the editor asks.
      rewriteRequest: (command, args) => (command === 'disconnect' ? { ...args, terminateDebuggee: false } : args),
      rewriteEvent: (event, body) => (event === 'output' && (body as { category?: string })?.category === 'telemetry' ? undefined : { event, body }),
      cleanup: () => held.release(),
      endReason,
    });
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
