// Requests the DAP spec makes optional behind a capability: when the debugger did not announce
// it (and the client was told so in the `capabilities` event), kmirror-dap refuses the request
// instead of forwarding it. debugpy 1.6 does not announce loadedSources and, sent one anyway,
// stops answering every later request of the session (found by bench/fuzz-dap-live.ts).
import type { DebugProtocol } from '@vscode/debugprotocol';

const GATED: Record<string, keyof DebugProtocol.Capabilities> = {
  loadedSources: 'supportsLoadedSourcesRequest',
  modules: 'supportsModulesRequest',
  restartFrame: 'supportsRestartFrame',
  goto: 'supportsGotoTargetsRequest',
  gotoTargets: 'supportsGotoTargetsRequest',
  stepBack: 'supportsStepBack',
  reverseContinue: 'supportsStepBack',
  setExpression: 'supportsSetExpression',
  stepInTargets: 'supportsStepInTargetsRequest',
  completions: 'supportsCompletionsRequest',
  terminateThreads: 'supportsTerminateThreadsRequest',
  readMemory: 'supportsReadMemoryRequest',
  writeMemory: 'supportsWriteMemoryRequest',
  disassemble: 'supportsDisassembleRequest',
  breakpointLocations: 'supportsBreakpointLocationsRequest',
  dataBreakpointInfo: 'supportsDataBreakpoints',
  setDataBreakpoints: 'supportsDataBreakpoints',
  setInstructionBreakpoints: 'supportsInstructionBreakpoints',
  cancel: 'supportsCancelRequest',
};

/** Why the debugger with `capabilities` cannot take `command`, or undefined when it can. */
export function unannouncedCapability(command: string, capabilities: DebugProtocol.Capabilities, debuggerName: string): string | undefined {
  const capability = Object.hasOwn(GATED, command) ? GATED[command] : undefined;
  if (!capability || capabilities[capability]) return undefined;
  return `${command}: ${debuggerName} does not support it (it does not announce ${capability})`;
}
