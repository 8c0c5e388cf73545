// dlv's DAP `attach` for a process in a pod: mode local with the pid inside the container (the
// debugger container shares its PID namespace), and source mapping from the workstation checkout
// to the paths of the in-cluster build (dlv's substitutePath: from = client path, to = dlv's path).
import { passThroughFields, type BackendLaunchConfig } from '../contract.js';

interface PathPair { from: string; to: string }

export function remoteDlvAttachArgs(config: BackendLaunchConfig, pid: number): Record<string, unknown> {
  const extra = passThroughFields(config);
  const given = Array.isArray(extra.substitutePath) ? (extra.substitutePath as PathPair[]) : [];
  const roots = config.localRoot && config.remoteRoot ? [{ from: config.localRoot, to: config.remoteRoot }] : [];
  return { ...extra, mode: 'local', processId: pid, stopOnEntry: false, substitutePath: [...given, ...roots] };
}
