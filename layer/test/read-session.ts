// The workstation session the file tests run programs in: files are read from the target
// (fs "read"), and no incoming traffic is subscribed.
import { openWorkstationSession, type WorkstationSession } from '#runtime/session/workstation-session.js';
import { repoRoot } from './build-apps.js';
import type { LayerTarget } from './target-fixture.js';

/** Opens that session on `target`; the caller closes it. */
export function openReadSession(target: LayerTarget): Promise<WorkstationSession> {
  return openWorkstationSession({
    config: { target: `pid/${target.pid}`, feature: { network: { incoming: 'off' }, fs: 'read' } },
    log: { log: () => undefined },
    cwd: repoRoot,
  });
}
