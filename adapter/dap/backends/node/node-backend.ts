// Node.js through kmirror's own DAP→CDP bridge: `node --inspect-brk` started through the layer
// (inspector port excluded), or attach to a running `--inspect` port / a pid (SIGUSR1 opens the
// inspector on 127.0.0.1:9229), or with a target, to a process in it (remote-attach.ts).
import { resolve } from 'node:path';
import type { BackendContext, BackendSession, DebugBackend } from '../backend.js';
import { requireExecutable } from '../find-executable.js';
import { extension } from '../program-kind.js';
import { NodeBridge } from './bridge.js';
import { CdpClient } from './cdp-client.js';
import { inspectorUrl, launchUnderInspector } from './inspector-process.js';
import { DapError } from '../../common/errors.js';
import { attachRemote } from './remote-attach.js';

const INSTALL_HINT = 'install Node.js (https://nodejs.org or apt-get install nodejs), or set "debuggerPath" / "runtimeExecutable"';

export const nodeBackend: DebugBackend<'node'> = {
  kind: 'node',
  claims: (config) => ['.js', '.mjs', '.cjs'].includes(extension(config.program)) || (['.ts', '.mts', '.cts'].includes(extension(config.program)) && hasRuntimeArgs(config)),
  start,
};

/** How long a process signalled with SIGUSR1 gets to open its inspector. */
const SIGNAL_WAIT_MS = 5_000;

/** The inspector's URL, retried for `waitMs` while nothing listens yet (the process is still opening it). */
async function inspectorUrlWithin(host: string, port: number, waitMs: number): Promise<string> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await inspectorUrl(host, port);
    } catch (e) {
      if (Date.now() >= deadline || !(e instanceof DapError) || e.code !== 'TARGET_UNREACHABLE') throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function hasRuntimeArgs(config: object): boolean {
  return Array.isArray((config as { runtimeArgs?: unknown }).runtimeArgs);
}

async function start(ctx: BackendContext): Promise<BackendSession> {
  const { config } = ctx;
  if (config.request === 'attach') {
    // A target and no explicit inspector address: the process runs in the target.
    if (ctx.layer.remote && config.host === undefined) return attachRemote(ctx, ctx.layer.remote);
    if (config.processId) {
      try {
        process.kill(config.processId, 'SIGUSR1');
      } catch (e) {
        throw new DapError('TARGET_UNREACHABLE', `cannot signal process ${config.processId} to open its inspector: ${(e as Error).message}`);
      }
    }
    const url = await inspectorUrlWithin(config.host ?? '127.0.0.1', config.port ?? 9229, config.processId ? SIGNAL_WAIT_MS : 0);
    return new NodeBridge(ctx, await CdpClient.connect(url, ctx.log), undefined);
  }
  const runtimeOption = (config as { runtimeExecutable?: unknown }).runtimeExecutable;
  const runtime = requireExecutable([config.debuggerPath ?? (typeof runtimeOption === 'string' ? runtimeOption : 'node')], 'Node.js runtime "node"', INSTALL_HINT);
  if (['.ts', '.mts', '.cts'].includes(extension(config.program)) && !hasRuntimeArgs(config)) {
    throw new DapError('BAD_LAUNCH_FIELD', `launch configuration field "program": ${resolve(config.program ?? '')} is TypeScript; point "program" at the compiled .js (with source maps) or give "runtimeArgs" for a loader`);
  }
  const { debuggee, wsUrl } = await launchUnderInspector(ctx, runtime);
  try {
    return new NodeBridge(ctx, await CdpClient.connect(wsUrl, ctx.log), debuggee);
  } catch (e) {
    await debuggee.stop();
    throw e;
  }
}
