// Node.js through kmirror's own DAP→CDP bridge (placeholder while the bridge is written).
import type { DebugBackend } from '../backend.js';
import { extension } from '../program-kind.js';
import { DapError } from '../../dap/errors.js';

export const nodeBackend: DebugBackend = {
  kind: 'node',
  claims: (config) => ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'].includes(extension(config.program)),
  start: async () => {
    throw new DapError('NOT_SUPPORTED', 'node bridge not built yet');
  },
};
