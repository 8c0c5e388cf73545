// The session's states and which client requests each state admits (delve handleRequest style).
// Requests not admitted get a WRONG_STATE error naming the state, never a hang.

export type SessionState = 'initializing' | 'configuring' | 'launching' | 'running' | 'stopped' | 'terminating' | 'terminated';

/** Commands kmirror-dap answers itself; everything else goes to the backend. */
export type OwnCommand = 'initialize' | 'launch' | 'attach' | 'disconnect' | 'terminate' | 'kmirror/status' | 'kmirror/recording' | 'kmirror/replay';

const BACKEND_STATES: ReadonlySet<SessionState> = new Set(['launching', 'running', 'stopped']);

/** Whether `command` may run in `state`; returns the reason when it may not. */
export function admits(state: SessionState, command: string): string | undefined {
  switch (command) {
    case 'initialize':
      return state === 'initializing' ? undefined : 'initialize was already sent';
    case 'launch':
    case 'attach':
      return state === 'configuring' ? undefined : state === 'initializing' ? 'send initialize first' : 'a launch or attach is already in progress';
    case 'disconnect':
    case 'kmirror/status':
    case 'kmirror/recording':
      return undefined;
    case 'exceptionInfo':
      // Describes the exception a thread stopped at. debugpy 1.6 holds it until the thread stops
      // and answers nothing else meanwhile, not even pause (found by bench/fuzz-dap-live.ts).
      if (state === 'running') return 'the program is running: exceptionInfo describes the exception a thread stopped at';
      return admits(state, 'threads');
    default:
      if (BACKEND_STATES.has(state) || (command === 'terminate' && state === 'terminating')) return undefined;
      if (state === 'initializing') return 'send initialize first';
      if (state === 'configuring') return 'no program is being debugged yet: send launch or attach first';
      return 'the debug session has ended';
  }
}

const RESUMING: ReadonlySet<string> = new Set(['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'goto', 'restartFrame']);

/**
 * State once `command` is sent: a request that resumes the program makes a stopped session
 * running at once, before the debugger's `continued` event (which a request sent right after
 * it would otherwise overtake).
 */
export function stateAfterRequest(state: SessionState, command: string): SessionState {
  return state === 'stopped' && RESUMING.has(command) ? 'running' : state;
}

/** Next state after a backend event (undefined: unchanged). */
export function stateAfterEvent(state: SessionState, event: string): SessionState | undefined {
  if (state === 'terminated') return undefined;
  if (event === 'stopped') return 'stopped';
  if (event === 'continued') return 'running';
  if (event === 'terminated') return 'terminated';
  return undefined;
}
