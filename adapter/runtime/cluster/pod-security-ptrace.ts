// Pod Security and the debugger container: its one added capability, SYS_PTRACE, is outside the
// baseline set, so the baseline and restricted levels refuse it; only privileged allows it. Said
// before anything is created, with what the user can do instead.

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/**
 * The refusal for a namespace whose enforce level is `level` (undefined: no label, allowed unless
 * a cluster default says otherwise; 'admission': the API server's admission refused it); undefined
 * when the level allows the capability.
 */
export function ptraceRefusal(namespace: string, level: PodSecurityLevel | 'admission' | undefined): string | undefined {
  if (level === undefined || level === 'privileged') return undefined;
  const why = level === 'admission'
    ? `Pod Security admission of namespace ${namespace} refuses the debugger container`
    : `namespace ${namespace} enforces Pod Security level "${level}" (label pod-security.kubernetes.io/enforce)`;
  return `${why}: a debugger attaches with ptrace, which needs the SYS_PTRACE capability, and only the "privileged" level allows adding it. `
    + 'Nothing was created in the pod. What you can do: label the namespace privileged '
    + `(\`kubectl label namespace ${namespace} pod-security.kubernetes.io/enforce=privileged --overwrite\`, or ask its administrator); `
    + 'debug the program on your workstation against the pod instead ("request": "launch" with this target), which adds nothing to the pod; '
    + 'a Node process needs no debugger container ("debugger": "node" attaches through its inspector).';
}
