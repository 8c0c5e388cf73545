// The `--version` line of kmirror and kmirror-dap: the package version (which is also the default
// agent image's tag) and the tunnel protocol version this build speaks to agents.
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '#proto/runtime/handshake.js';
import { PACKAGE_VERSION } from './cluster/agent-defaults.js';

/** e.g. `kmirror 0.1.0 (tunnel protocol 1)`; a range when this build accepts older agents. */
export function versionText(program: string): string {
  const protocol = MIN_PROTOCOL_VERSION === PROTOCOL_VERSION ? `${PROTOCOL_VERSION}` : `${MIN_PROTOCOL_VERSION}..${PROTOCOL_VERSION}`;
  return `${program} ${PACKAGE_VERSION} (tunnel protocol ${protocol})`;
}
