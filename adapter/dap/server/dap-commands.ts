// The standard DAP request names (protocol 1.68). Anything else that is not a custom `ns/name`
// request is answered with UNKNOWN_COMMAND without bothering the backend.
export const DAP_COMMANDS: ReadonlySet<string> = new Set([
  'cancel', 'runInTerminal', 'startDebugging', 'initialize', 'configurationDone', 'launch', 'attach', 'restart',
  'disconnect', 'terminate', 'breakpointLocations', 'setBreakpoints', 'setFunctionBreakpoints',
  'setExceptionBreakpoints', 'dataBreakpointInfo', 'setDataBreakpoints', 'setInstructionBreakpoints', 'continue',
  'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'restartFrame', 'goto', 'pause', 'stackTrace',
  'scopes', 'variables', 'setVariable', 'source', 'threads', 'terminateThreads', 'modules', 'loadedSources',
  'evaluate', 'setExpression', 'stepInTargets', 'gotoTargets', 'completions', 'exceptionInfo', 'readMemory',
  'writeMemory', 'disassemble', 'locations',
]);

export function isKnownCommand(command: string): boolean {
  return DAP_COMMANDS.has(command) || /^[\w.-]+\/[\w.-]+$/.test(command);
}
