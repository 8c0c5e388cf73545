// Remote attach to a Python process in a pod that was started with debugpy listening
// (`python -m debugpy --listen 127.0.0.1:5678 app.py`): kmirror-dap reaches that debugpy adapter on
// the pod's loopback through the tunnel (never exposed outside the pod) and relays DAP to the
// editor; localRoot/remoteRoot become debugpy's pathMappings. Without "port" the process is attached
// by pid instead (debugpy injected from a debugger container: remote-attach-by-pid.ts).
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import type { BackendContext, BackendSession } from '../backend.js';
import type { RemoteProcessAccess } from '../contract.js';
import { DapError, withTimeout } from '../../common/errors.js';
import { ProxySession } from '../proxy-session.js';
import { RemoteDapLink } from '../remote-dap-link.js';
import { announceRemoteStops } from '../remote-probe-warning.js';
import { remoteDebugpyAttachArgs } from './remote-attach-args.js';
import { attachRemotePythonByPid } from './remote-attach-by-pid.js';

const CONNECT_MS = 10_000;


export async function attachRemotePython(ctx: BackendContext, remote: RemoteProcessAccess): Promise<BackendSession> {
  const { config } = ctx;
  if (config.port === undefined) return attachRemotePythonByPid(ctx, remote);
  let socket: Duplex | undefined;
  try {
    socket = await withTimeout(remote.connect('127.0.0.1', config.port), CONNECT_MS, `connecting to debugpy on 127.0.0.1:${config.port} in ${remote.target}`)
      .catch((e: Error) => { throw new DapError('TARGET_UNREACHABLE', `no debugpy listening on 127.0.0.1:${config.port} in ${remote.target} (${e.message}); start the program with \`python -m debugpy --listen 127.0.0.1:${config.port} …\``); });
    await announceRemoteStops(ctx, remote); // snapshot mode: session.ts's SnapshotSink turns breakpoint stops into snapshots
    const session = new ProxySession({
      name: 'debugpy', ctx, debugger: new RemoteDapLink(socket), input: socket, output: socket, adapterID: 'python',
      launch: { command: 'attach', args: remoteDebugpyAttachArgs(config) },
      rewriteRequest: (command, args) => (command === 'disconnect' ? { ...args, terminateDebuggee: false } : args),
      rewriteEvent: (event, body) => (event === 'output' && (body as { category?: string })?.category === 'telemetry' ? undefined : { event, body }),
    });
    return await session.initialize();
  } catch (e) {
    if (socket) {
      socket.destroy();
      await once(socket, 'close').catch(() => undefined);
    }
    throw e;
  }
}
