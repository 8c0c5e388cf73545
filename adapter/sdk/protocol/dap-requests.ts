// Every DAP request by command name, with its arguments and response body types from
// `@vscode/debugprotocol` (pinned), so requests sent and handlers written are typed by command
// instead of cast at each use. `DAP_REQUEST_COMMANDS` is checked against the map by the compiler.
import type { DebugProtocol as P } from '@vscode/debugprotocol';

interface Req<A, R extends P.Response> {
  arguments: A;
  body: R['body'];
}

export interface DapRequests {
  cancel: Req<P.CancelArguments | undefined, P.CancelResponse>;
  runInTerminal: Req<P.RunInTerminalRequestArguments, P.RunInTerminalResponse>;
  startDebugging: Req<P.StartDebuggingRequestArguments, P.StartDebuggingResponse>;
  initialize: Req<P.InitializeRequestArguments, P.InitializeResponse>;
  configurationDone: Req<P.ConfigurationDoneArguments | undefined, P.ConfigurationDoneResponse>;
  launch: Req<P.LaunchRequestArguments, P.LaunchResponse>;
  attach: Req<P.AttachRequestArguments, P.AttachResponse>;
  restart: Req<P.RestartArguments | undefined, P.RestartResponse>;
  disconnect: Req<P.DisconnectArguments | undefined, P.DisconnectResponse>;
  terminate: Req<P.TerminateArguments | undefined, P.TerminateResponse>;
  breakpointLocations: Req<P.BreakpointLocationsArguments | undefined, P.BreakpointLocationsResponse>;
  setBreakpoints: Req<P.SetBreakpointsArguments, P.SetBreakpointsResponse>;
  setFunctionBreakpoints: Req<P.SetFunctionBreakpointsArguments, P.SetFunctionBreakpointsResponse>;
  setExceptionBreakpoints: Req<P.SetExceptionBreakpointsArguments, P.SetExceptionBreakpointsResponse>;
  dataBreakpointInfo: Req<P.DataBreakpointInfoArguments, P.DataBreakpointInfoResponse>;
  setDataBreakpoints: Req<P.SetDataBreakpointsArguments, P.SetDataBreakpointsResponse>;
  setInstructionBreakpoints: Req<P.SetInstructionBreakpointsArguments, P.SetInstructionBreakpointsResponse>;
  continue: Req<P.ContinueArguments, P.ContinueResponse>;
  next: Req<P.NextArguments, P.NextResponse>;
  stepIn: Req<P.StepInArguments, P.StepInResponse>;
  stepOut: Req<P.StepOutArguments, P.StepOutResponse>;
  stepBack: Req<P.StepBackArguments, P.StepBackResponse>;
  reverseContinue: Req<P.ReverseContinueArguments, P.ReverseContinueResponse>;
  restartFrame: Req<P.RestartFrameArguments, P.RestartFrameResponse>;
  goto: Req<P.GotoArguments, P.GotoResponse>;
  pause: Req<P.PauseArguments, P.PauseResponse>;
  stackTrace: Req<P.StackTraceArguments, P.StackTraceResponse>;
  scopes: Req<P.ScopesArguments, P.ScopesResponse>;
  variables: Req<P.VariablesArguments, P.VariablesResponse>;
  setVariable: Req<P.SetVariableArguments, P.SetVariableResponse>;
  source: Req<P.SourceArguments, P.SourceResponse>;
  threads: Req<undefined, P.ThreadsResponse>;
  terminateThreads: Req<P.TerminateThreadsArguments, P.TerminateThreadsResponse>;
  modules: Req<P.ModulesArguments, P.ModulesResponse>;
  loadedSources: Req<P.LoadedSourcesArguments | undefined, P.LoadedSourcesResponse>;
  evaluate: Req<P.EvaluateArguments, P.EvaluateResponse>;
  setExpression: Req<P.SetExpressionArguments, P.SetExpressionResponse>;
  stepInTargets: Req<P.StepInTargetsArguments, P.StepInTargetsResponse>;
  gotoTargets: Req<P.GotoTargetsArguments, P.GotoTargetsResponse>;
  completions: Req<P.CompletionsArguments, P.CompletionsResponse>;
  exceptionInfo: Req<P.ExceptionInfoArguments, P.ExceptionInfoResponse>;
  readMemory: Req<P.ReadMemoryArguments, P.ReadMemoryResponse>;
  writeMemory: Req<P.WriteMemoryArguments, P.WriteMemoryResponse>;
  disassemble: Req<P.DisassembleArguments, P.DisassembleResponse>;
  locations: Req<P.LocationsArguments, P.LocationsResponse>;
}

export type DapCommand = keyof DapRequests;
export type DapArguments<C extends DapCommand> = DapRequests[C]['arguments'];
export type DapResponseBody<C extends DapCommand> = DapRequests[C]['body'];

/** A handler for one command: its typed arguments in, its response body out (or a throw). */
export type DapRequestHandler<C extends DapCommand> = (args: DapArguments<C>) => Promise<DapResponseBody<C> | undefined>;
/** Handlers for some of the commands, each typed by its own command. */
export type DapHandlerTable = { [C in DapCommand]?: DapRequestHandler<C> };

const COMMANDS: Record<DapCommand, true> = {
  cancel: true, runInTerminal: true, startDebugging: true, initialize: true, configurationDone: true, launch: true,
  attach: true, restart: true, disconnect: true, terminate: true, breakpointLocations: true, setBreakpoints: true,
  setFunctionBreakpoints: true, setExceptionBreakpoints: true, dataBreakpointInfo: true, setDataBreakpoints: true,
  setInstructionBreakpoints: true, continue: true, next: true, stepIn: true, stepOut: true, stepBack: true,
  reverseContinue: true, restartFrame: true, goto: true, pause: true, stackTrace: true, scopes: true, variables: true,
  setVariable: true, source: true, threads: true, terminateThreads: true, modules: true, loadedSources: true,
  evaluate: true, setExpression: true, stepInTargets: true, gotoTargets: true, completions: true, exceptionInfo: true,
  readMemory: true, writeMemory: true, disassemble: true, locations: true,
};

/** The standard request names of the pinned protocol version. */
export const DAP_REQUEST_COMMANDS: readonly DapCommand[] = Object.keys(COMMANDS) as DapCommand[]; // keys of a Record<DapCommand, true>

export function isDapCommand(command: string): command is DapCommand {
  return Object.hasOwn(COMMANDS, command);
}

/**
 * Runs the table's handler for `command` with the peer's arguments. The one cast: arguments
 * arrive from the other side shaped per DAP for that command, unchecked — a handler checks
 * what it relies on (as it must for any peer input).
 */
export function runHandler(table: DapHandlerTable, command: string, args: unknown): Promise<unknown> | undefined {
  if (!isDapCommand(command)) return undefined;
  const handler = table[command] as ((a: unknown) => Promise<unknown>) | undefined;
  return handler?.(args);
}
