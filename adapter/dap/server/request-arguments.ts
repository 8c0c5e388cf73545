// Checks kmirror-dap makes on a request's arguments before a debugger sees them: the ids the DAP
// schema types as integers must be integers. debugpy 1.6 takes `"frameId": true` for frame 1, or
// `"sourceReference": null`, and then stops answering every later request of the session (found by the live-debugger fuzz,
// bench/fuzz-dap-live.ts); a clear refusal here keeps the session usable whatever the backend.
const INTEGER_IDS = ['threadId', 'frameId', 'variablesReference', 'sourceReference', 'targetId'] as const;
/** Fields the schema types as arrays; debugpy hangs on `setFunctionBreakpoints` with `"breakpoints": {}`. */
const ARRAYS = ['breakpoints', 'filters', 'lines', 'threadIds', 'filterOptions', 'exceptionOptions'] as const;

/** Why `args` of `command` cannot go to a debugger, or undefined when they can. */
export function argumentProblem(command: string, args: Record<string, unknown>): string | undefined {
  const source = args.source;
  if (source !== undefined && (typeof source !== 'object' || source === null || Array.isArray(source))) return `${command}: "source" must be an object`;
  for (const [where, object] of [['', args], ['source.', source ?? {}]] as const) {
    for (const key of INTEGER_IDS) {
      const value = (object as Record<string, unknown>)[key];
      if (value !== undefined && !Number.isSafeInteger(value)) return `${command}: "${where}${key}" must be an integer, not ${JSON.stringify(value)?.slice(0, 40)}`;
    }
  }
  for (const key of ARRAYS) {
    if (args[key] !== undefined && !Array.isArray(args[key])) return `${command}: "${key}" must be an array`;
  }
  if (command === 'setBreakpoints' && source === undefined) return 'setBreakpoints: "source" is required';
  return undefined;
}
