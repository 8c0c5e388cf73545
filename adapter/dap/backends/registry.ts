// The registered debugger backends, tried in order when the config names no debugger. Order
// matters only for claims: lldb claims any ELF executable, so it comes after Go.
import type { DebugBackend } from './backend.js';
import { dlvBackend } from './dlv/dlv-backend.js';
import { debugpyBackend } from './debugpy/debugpy-backend.js';
import { nodeBackend } from './node/node-backend.js';
import { netcoredbgBackend } from './netcoredbg/netcoredbg-backend.js';
import { lldbBackend } from './lldb/lldb-backend.js';
import { DapError } from '../server/errors.js';
import { DEBUGGER_KINDS, type KmirrorLaunchConfig } from '../server/launch-config.js';

export const BACKENDS: readonly DebugBackend[] = [dlvBackend, debugpyBackend, nodeBackend, netcoredbgBackend, lldbBackend];

/** Picks the backend for a config: by `debugger`, else the first that claims the program. */
export function selectBackend(config: KmirrorLaunchConfig, backends: readonly DebugBackend[] = BACKENDS): DebugBackend {
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
  throw new DapError('BAD_LAUNCH_FIELD', `cannot tell which debugger to use for ${config.program ?? 'this configuration'}: set field "debugger" to one of ${DEBUGGER_KINDS.join(', ')}`);
}
