// Defaults of the in-cluster agent: the image follows the package version so a client and the
// agent it starts speak the same protocol revision.
import pkg from '../../../package.json' with { type: 'json' };
import type { AgentPlacementOptions } from './agent-placement.js';

export const PACKAGE_VERSION: string = pkg.version;
export const DEFAULT_AGENT_IMAGE = `kmirror/agent:${PACKAGE_VERSION}`;

export const AGENT_DEFAULTS: AgentPlacementOptions = {
  mode: 'node-job',
  image: DEFAULT_AGENT_IMAGE,
  pullPolicy: 'IfNotPresent',
  ephemeralCapabilities: 'auto',
  // Longer than a reconnect takes, short enough that a killed client leaves nothing behind for long.
  idleExitSeconds: 10,
  activeDeadlineSeconds: 12 * 3600,
  ttlSecondsAfterFinished: 5,
  nodeJobPort: 47777,
  startupTimeoutMs: 60_000,
};
