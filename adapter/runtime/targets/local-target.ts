// Local targets (no cluster): `pid/N` (that process's netns and root) and `netns/NAME`.
export type LocalTarget = { kind: 'pid'; pid: number } | { kind: 'netns'; name: string };

/** Parses a local target string; undefined when it is not one (e.g. a Kubernetes target). */
export function parseLocalTarget(spec: string): LocalTarget | undefined {
  const pid = /^pid\/([1-9]\d*)$/.exec(spec);
  if (pid) return { kind: 'pid', pid: Number(pid[1]) };
  const ns = /^netns\/([A-Za-z0-9_.-]+)$/.exec(spec);
  if (ns && ns[1] !== '.' && ns[1] !== '..') return { kind: 'netns', name: ns[1]! };
  return undefined;
}
