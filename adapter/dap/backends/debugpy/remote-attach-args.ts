// debugpy's DAP `attach` arguments for a process in a pod (both ways in: `debugpy --listen`, and by pid):
// the debugger-specific fields pass through, localRoot/remoteRoot become debugpy's pathMappings.
import { passThroughFields, type BackendLaunchConfig } from '../contract.js';

/** debugpy's attach arguments without connect/listen (the caller adds processId when it injects). */
export function remoteDebugpyAttachArgs(config: BackendLaunchConfig): Record<string, unknown> {
  const extra = passThroughFields(config);
  const given = Array.isArray(extra.pathMappings) ? (extra.pathMappings as unknown[]) : [];
  const roots = config.localRoot && config.remoteRoot ? [{ localRoot: config.localRoot, remoteRoot: config.remoteRoot }] : [];
  return { ...extra, pathMappings: [...given, ...roots] };
}
