// Remote attach to a Node process in the target: the agent signals it (SIGUSR1) and holds it for
// this session; the inspector's /json/list and WebSocket are reached through the agent's TCP
// connections inside the target (its 127.0.0.1:9229 is never exposed outside the pod).
import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import type { BackendContext, BackendSession } from '../backend.js';
import type { RemoteInspector, RemoteProcessAccess } from '../contract.js';
import { DapError, withTimeout } from '../../common/errors.js';
import { NodeBridge } from './bridge.js';
import { CdpClient } from './cdp-client.js';
import { pathMapping } from './path-mapping.js';
import { watchSessionEnd } from '../remote-session-end.js';
import { followRestarts, type FollowHooks } from '../follow-restarts.js';
import { announceRemoteStops } from '../remote-probe-warning.js';

interface InspectorTarget { webSocketDebuggerUrl?: string }

/** GET /json/list over an already connected stream (the inspector accepts Host 127.0.0.1). */
function listTargets(socket: Duplex, port: number): Promise<InspectorTarget[]> {
  return new Promise((resolve, reject) => {
    // Safe: http calls createConnection once, for this request's stream.
    const req = request({ host: '127.0.0.1', port, path: '/json/list', headers: { connection: 'close' }, createConnection: (() => socket) as never }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => {
        try { resolve(JSON.parse(body) as InspectorTarget[]); } catch (e) { reject(new DapError('BACKEND_FAILED', `the inspector's /json/list is not JSON: ${(e as Error).message}`)); }
      });
    });
    req.on('error', (e) => reject(new DapError('TARGET_UNREACHABLE', `reading the inspector's /json/list in the target: ${e.message}`)));
    req.end();
  });
}

/** The inspector's WebSocket URL (Node lists one target: the process itself). */
async function inspectorUrl(remote: RemoteProcessAccess, inspector: RemoteInspector): Promise<string> {
  const list = await withTimeout(remote.connect('127.0.0.1', inspector.port).then((s) => listTargets(s, inspector.port)), 10_000, 'reading the inspector target list in the target');
  const url = list.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  if (!url) throw new DapError('TARGET_UNREACHABLE', `the inspector on 127.0.0.1:${inspector.port} in ${remote.target} lists no debuggable target`);
  return url;
}

/**
 * An inspector that was open before (not opened by our signal) may be another process's in the
 * same netns: the process says its own pid (read-only; it is the pid inside its namespace).
 */
async function checkOwner(cdp: CdpClient, remote: RemoteProcessAccess, inspector: RemoteInspector): Promise<void> {
  const r = await cdp.send<{ result: { value?: unknown } }>('Runtime.evaluate', { expression: 'process.pid', returnByValue: true, silent: true });
  if (r.result.value === inspector.pid) return;
  throw new DapError('TARGET_UNREACHABLE', `the inspector on 127.0.0.1:${inspector.port} in ${remote.target} belongs to process ${String(r.result.value)}, not to process ${inspector.pid} (${inspector.command}); `
    + `process ${inspector.pid} was${inspector.alreadyOpen ? ' not signalled' : ' signalled but opened no inspector there'}. Give "port" when its inspector uses another one`);
}

export async function attachRemote(ctx: BackendContext, remote: RemoteProcessAccess): Promise<BackendSession> {
  if (ctx.config.followRestarts) return followRestarts(ctx, remote, (c, follow) => attachOnce(c, remote, follow));
  return attachOnce(ctx, remote);
}

/** One attach to the process; `follow.onGone` (following restarts) is called instead of ending the session when it goes away. */
async function attachOnce(ctx: BackendContext, remote: RemoteProcessAccess, follow?: FollowHooks): Promise<BackendSession> {
  const { config } = ctx;
  const inspector = await remote.openNodeInspector({ pid: config.processId ?? 0, ...(config.port ? { port: config.port } : {}) });
  try {
    const url = await inspectorUrl(remote, inspector);
    const socket = await remote.connect('127.0.0.1', inspector.port);
    const cdp = await CdpClient.connect(url, ctx.log, 10_000, socket);
    await checkOwner(cdp, remote, inspector).catch((e: unknown) => { cdp.close(); throw e; });
    follow?.attachedTo(inspector.pid, inspector.command);
    ctx.log.log('info', 'backend', `attached to process ${inspector.pid} (${inspector.command}) in ${remote.target}${inspector.alreadyOpen ? ' (its inspector was already open)' : ' (inspector opened with SIGUSR1)'}`);
    if (!follow?.again) await announceRemoteStops(ctx, remote);
    const endReason = await watchSessionEnd(remote, { following: !!follow });
    return new NodeBridge(ctx, cdp, undefined, { inspector, mapping: pathMapping(config.localRoot, config.remoteRoot), endReason, ...(follow ? { onGone: follow.onGone } : {}) });
  } catch (e) {
    inspector.release();
    throw e;
  }
}
