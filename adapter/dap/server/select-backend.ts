// Picks the backend for a launch configuration among those the server was given.
import type { DebugBackend } from '../backends/backend.js';
import { DapError } from '../common/errors.js';
import type { KmirrorLaunchConfig } from './launch-config.js';

/** By `debugger`, else the first backend that claims the program. */
export function selectBackend(config: KmirrorLaunchConfig, backends: readonly DebugBackend[]): DebugBackend {
  const claimant = config.program ? backends.find((b) => b.claims(config)) : undefined;
  if (config.debugger) {
    const chosen = backends.find((b) => b.kind === config.debugger);
    if (!chosen) throw new DapError('NO_BACKEND', `no backend for debugger "${config.debugger}"`);
    if (config.request === 'launch' && claimant && claimant !== chosen && !chosen.claims(config)) {
      throw new DapError('BAD_LAUNCH_FIELD', `launch configuration field "debugger": "${config.debugger}" cannot debug ${config.program} (it is a ${claimant.kind} program); set "debugger" to "${claimant.kind}" or remove it`);
    }
    return chosen;
  }
  if (claimant) return claimant;
  throw new DapError('BAD_LAUNCH_FIELD', `cannot tell which debugger to use for ${config.program ?? 'this configuration'}: set field "debugger" to one of ${backends.map((b) => b.kind).join(', ')}`);
}
