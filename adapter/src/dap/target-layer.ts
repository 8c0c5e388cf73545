// Opens the kmirror layer for a target: the workstation session (contract C: agent, tunnel,
// local proxy) whose wrapCommand starts debuggees under the layer. Bounded by targetTimeoutMs so
// an unreachable agent or target fails the launch with an error instead of hanging.
import { DapError } from './errors.js';
import type { DebuggeeLayer } from './layer.js';
import type { KmirrorLaunchConfig } from './launch-config.js';
import type { DapLogger } from './log.js';

export interface OpenTargetOptions {
  config: KmirrorLaunchConfig;
  target: string | undefined;
  log: DapLogger;
  onStatus(message: string): void;
}

export async function openTargetLayer(opts: OpenTargetOptions): Promise<DebuggeeLayer> {
  // TODO(issue-5): wire openWorkstationSession (adapter/src/session/workstation-session.ts) once it lands.
  throw new DapError('NOT_SUPPORTED', `target ${opts.target ?? '(from config)'}: this build of kmirror-dap has no workstation session yet; remove "target"/"kmirror"/"configFile" to debug without a target`);
}
