// The package entry `import { debugSession } from 'kmirror'`: headless, scripted debugging through
// kmirror-dap (or any DAP adapter).
export { debugSession } from './debug-session.js';
export { DapClient, DapRequestError } from './dap-client.js';
export { defaultAdapterSpec, type AdapterSpec } from './adapter-process.js';
export type {
  BreakpointSpec,
  BreakpointState,
  DebugSession,
  DebugSessionOptions,
  KmirrorLaunchArguments,
  SessionEnd,
  Stop,
} from './types.js';
