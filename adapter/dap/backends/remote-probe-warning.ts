// The one warning of a breaking remote attach: a process stopped at a breakpoint answers no probe,
// so the kubelet may restart its container; names the probe settings found on the container.
// In snapshot mode ("nonBreaking") the process is never left stopped: a notice says so instead.
import type { BackendContext } from './backend.js';
import type { RemoteProcessAccess } from './contract.js';
import { withTimeout } from '../common/errors.js';

export async function warnAboutProbes(ctx: BackendContext, remote: RemoteProcessAccess): Promise<void> {
  let probes: string | undefined;
  try {
    probes = await withTimeout(remote.probes(), 5_000, 'reading the target pod');
  } catch (e) {
    ctx.log.log('warn', 'backend', `remote attach: cannot read the target's probes: ${(e as Error).message}`);
    return;
  }
  if (!probes) return;
  ctx.sink.event('output', {
    category: 'console',
    output: `kmirror-dap: while the process in ${remote.target} is stopped at a breakpoint it answers no probe; it fails its liveness probe and the kubelet may restart the container. Probes found: ${probes}.\n`,
  });
}

/** The once-only notice of a remote attach: snapshot mode's, or the probe warning of a breaking one. */
export async function announceRemoteStops(ctx: BackendContext, remote: RemoteProcessAccess): Promise<void> {
  if (!ctx.config.nonBreaking) return warnAboutProbes(ctx, remote);
  ctx.sink.event('output', {
    category: 'console',
    output: `kmirror-dap: snapshot mode ("nonBreaking"): breakpoints in ${remote.target} record the stack and variables and the process runs on (each snapshot's pause is in its record).\n`,
  });
}
