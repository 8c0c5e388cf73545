// `kmirror doctor [--target T] [-n NS] [--context C] [--kubeconfig F] [--ephemeral]`: prints what
// works against the cluster and what will not (see adapter/runtime/cluster/doctor.ts). Exit code 0
// when a session can work, 1 otherwise.
import { runDoctor, type CheckStatus } from '#runtime/cluster/doctor.js';
import { KUBE_FLAG_OPTIONS } from '#runtime/cluster/kube-flags.js';
import { parseCommandLine, type CliCommand } from './command.js';

const USAGE = `usage: kmirror doctor [--target pod/NAME|deploy/NAME|...] [-c CONTAINER] [-n NAMESPACE]
                      [--context NAME] [--kubeconfig FILE] [--ephemeral] [--agent-image IMAGE]
  Checks kube access, the RBAC verbs kmirror needs (SelfSubjectAccessReview), the namespace's Pod
  Security level, that a node (the target's, with --target) can get the agent image sessions use
  (\`kmirror image ref\`; a short-lived pod, deleted after) and, with --target, starts a short-lived
  agent on the target's node that tries env, DNS, files, steal and mirror for real. The RBAC to
  grant is in deploy/rbac.yaml.`;

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'check what kmirror can do against the current cluster (RBAC, Pod Security, agent image, node kernel features)',
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseCommandLine({
      args: argv, strict: true, allowPositionals: false,
      options: {
        ...KUBE_FLAG_OPTIONS, target: { type: 'string' }, ephemeral: { type: 'boolean' }, 'agent-image': { type: 'string' },
      },
    });
    const ok = await runDoctor({
      ...(values.target !== undefined ? { target: values.target } : {}),
      ...(values.container !== undefined ? { container: values.container } : {}),
      ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
      ...(values.context !== undefined ? { context: values.context } : {}),
      ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
      agent: {
        ...(values.ephemeral ? { mode: 'ephemeral' as const } : {}),
        ...(values['agent-image'] !== undefined ? { image: values['agent-image'] } : {}),
      },
      report: (c) => io.stdout(`[${MARK[c.status]}] ${c.text}\n`),
    });
    io.stdout(ok ? 'kmirror can run sessions here.\n' : 'kmirror cannot run sessions here (see FAIL lines).\n');
    return ok ? 0 : 1;
  },
};
