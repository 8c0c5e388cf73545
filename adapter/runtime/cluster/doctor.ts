// `kmirror doctor`: what works against this cluster and what will not, as a list of checks —
// kube access, RBAC (SelfSubjectAccessReview), the namespace's Pod Security level, whether a node
// (the target's, with a target) can get the agent image (a short-lived pod), and with a target, a
// short-lived agent on the target's node that tries each feature for real (env, DNS, a steal and a
// mirror subscription: BPF programs load only if the node's kernel and the agent's capabilities
// allow them). Every pod and agent it starts is removed before it returns.
import { VersionApi } from '@kubernetes/client-node';
import type { AgentSession } from '../tunnel/agent-session.js';
import { effectiveAgentImage } from '../image/image-settings.js';
import { formatTarget, isTargetError } from '#proto/runtime/target.js';
import { parseKubeTarget } from '../targets/kube-target.js';
import { AGENT_DEFAULTS } from './agent-defaults.js';
import { connectWhenReady } from './agent-handshake.js';
import { checkImagePull } from './image-pull-check.js';
import { placeAgent, type AgentPlacementOptions } from './agent-placement.js';
import { isClusterError } from './errors.js';
import { openKubeAccess, type KubeAccess, type KubeAccessOptions } from './kube-access.js';
import { checkPermissions, describeNeed, placementsAllowed, podSecurityVerdict } from './permissions.js';
import { resolveKubeTarget, type ResolvedKubeTarget } from './resolve-target.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';
export interface DoctorCheck { status: CheckStatus; text: string }

export interface DoctorOptions extends KubeAccessOptions {
  target?: string;
  container?: string;
  agent?: Partial<AgentPlacementOptions>;
  /** Called for each check as it completes. */
  report: (check: DoctorCheck) => void;
}

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Runs every check; resolves true when a session can work with the given (or default) placement. */
export async function runDoctor(opts: DoctorOptions): Promise<boolean> {
  const { report } = opts;
  let access: KubeAccess;
  try {
    access = openKubeAccess(opts);
  } catch (err) {
    report({ status: 'fail', text: errText(err) });
    return false;
  }
  const server = access.kubeConfig.getCurrentCluster()?.server ?? '?';
  try {
    const version = await access.kubeConfig.makeApiClient(VersionApi).getCode();
    report({ status: 'ok', text: `context ${access.contextName}: API server ${server} answers (Kubernetes ${version.gitVersion}), namespace ${access.namespace}` });
  } catch (err) {
    report({ status: 'fail', text: `context ${access.contextName}: API server ${server} does not answer: ${errText(err)}` });
    return false;
  }
  const namespace = opts.namespace ?? access.namespace;
  const results = await checkPermissions(access, namespace);
  for (const r of results) {
    const status: CheckStatus = r.allowed ? 'ok' : r.scope === 'optional' ? 'warn' : 'fail';
    report({ status, text: `${describeNeed(r)} in ${namespace}: ${r.allowed ? 'allowed' : 'denied'} (${r.why}${r.scope === 'node-job' || r.scope === 'ephemeral' ? `; needed for the ${r.scope} agent` : ''})` });
  }
  const allowed = placementsAllowed(results);
  const psa = await podSecurityLevel(access, namespace);
  if (psa) {
    const v = podSecurityVerdict(psa);
    report({ status: v.nodeJobAllowed ? 'ok' : 'warn', text: `Pod Security level of ${namespace}: ${v.level}${v.nodeJobAllowed ? '' : ' — the node agent (hostPID, capabilities) is refused here; use agent.ephemeral'}` });
    if (!v.nodeJobAllowed) allowed.nodeJob = false;
  }
  report({ status: allowed.nodeJob ? 'ok' : 'warn', text: `node agent placement: ${allowed.nodeJob ? 'possible' : 'not possible'}` });
  report({ status: allowed.ephemeral ? 'ok' : 'warn', text: `ephemeral agent placement: ${allowed.ephemeral ? 'possible' : 'not possible'}` });
  const target = opts.target ? await resolveDoctorTarget(access, opts) : undefined;
  if (opts.target && !target) return false;
  const { image, source } = effectiveAgentImage(opts.agent?.image);
  const imageOk = await checkAgentImage(access, opts, { image, source, namespace: target?.namespace ?? namespace, ...(target ? { nodeName: target.nodeName } : {}) });
  if (!target) {
    report({ status: 'warn', text: 'no --target given: node kernel features not checked' });
    return (allowed.nodeJob || allowed.ephemeral) && imageOk;
  }
  // An agent with an image its node cannot get would only fail the same way.
  if (!imageOk) return false;
  const mode = opts.agent?.mode ?? (allowed.nodeJob ? 'node-job' : 'ephemeral');
  return (allowed.nodeJob || allowed.ephemeral) && probeWithAgent(access, opts, target, { ...opts.agent, image, mode });
}

/** Parses and resolves --target (pod, container, node), reporting it; undefined (reported) when it fails. */
async function resolveDoctorTarget(access: KubeAccess, opts: DoctorOptions): Promise<ResolvedKubeTarget | undefined> {
  try {
    const spec = parseKubeTarget(opts.target ?? '', {
      ...(opts.container !== undefined ? { container: opts.container } : {}),
      ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
    });
    const target = await resolveKubeTarget(access, spec);
    opts.report({ status: target.container.warning ? 'warn' : 'ok', text: `target ${formatTarget(spec)}: pod ${target.podName}, container ${target.container.name}, node ${target.nodeName}${target.container.warning ? ` (${target.container.warning})` : ''}` });
    return target;
  } catch (err) {
    opts.report({ status: 'fail', text: isClusterError(err) || isTargetError(err) ? `${err.code}: ${err.message}` : errText(err) });
    return undefined;
  }
}

/** Reports whether the node can get the image sessions would use; false when it cannot. */
async function checkAgentImage(access: KubeAccess, opts: DoctorOptions,
  check: { image: string; source: string; namespace: string; nodeName?: string }): Promise<boolean> {
  const from = check.source === 'config' ? 'given' : check.source === 'saved' ? 'saved by kmirror image build' : 'the default';
  const verdict = await checkImagePull(access, {
    namespace: check.namespace, image: check.image, pullPolicy: opts.agent?.pullPolicy ?? AGENT_DEFAULTS.pullPolicy,
    ...(check.nodeName ? { nodeName: check.nodeName } : {}),
  });
  opts.report({ status: verdict.status === 'unknown' ? 'warn' : verdict.status, text: `${verdict.text} [agent image: ${from}]` });
  return verdict.status !== 'fail';
}

async function podSecurityLevel(access: KubeAccess, namespace: string): Promise<Record<string, string> | undefined> {
  try {
    const ns = await access.core.readNamespace({ name: namespace });
    return ns.metadata?.labels ?? {};
  } catch {
    return undefined;   // reading namespaces is optional; the permission check already said so
  }
}

async function probeWithAgent(access: KubeAccess, opts: DoctorOptions, target: ResolvedKubeTarget,
  agent: Partial<AgentPlacementOptions> & Pick<AgentPlacementOptions, 'mode' | 'image'>): Promise<boolean> {
  const { report } = opts;
  const mode = agent.mode;
  let ok = true;
  const placement: AgentPlacementOptions = { ...AGENT_DEFAULTS, ...agent, idleExitSeconds: 5, ttlSecondsAfterFinished: 1,
    warn: (m) => report({ status: 'warn', text: m }) };
  let session: AgentSession | undefined;
  let remove: (() => Promise<void>) | undefined;
  try {
    const started = Date.now();
    const placed = await placeAgent(access, target, placement);
    remove = placed.remove;
    session = (await connectWhenReady(access, placed, { deadline: Date.now() + placement.startupTimeoutMs })).session;
    report({ status: 'ok', text: `${mode} agent ${placed.podName} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (image ${placement.image}); capabilities: ${[...session.capabilities].join(', ')}` });
    const live = session;
    const probe = async (what: string, fn: () => Promise<string>, required: boolean): Promise<void> => {
      try {
        report({ status: 'ok', text: `${what}: ${await fn()}` });
      } catch (err) {
        if (required) ok = false;
        report({ status: required ? 'fail' : 'warn', text: `${what}: ${errText(err)}` });
      }
    };
    await probe('env', async () => `${Object.keys(await live.env()).length} variables`, true);
    await probe('DNS', async () => `kubernetes.default → ${(await live.resolve('kubernetes.default')).join(', ')}`, false);
    await probe('files', async () => `/etc/hostname = ${(await live.readFile('/etc/hostname')).toString('utf8').trim()}`, false);
    if (!placed.trafficCapable) {
      report({ status: 'warn', text: 'incoming steal/mirror: not available (the agent runs without the capabilities BPF, NET_ADMIN, SYS_ADMIN)' });
    }
    for (const trafficMode of placed.trafficCapable ? ['steal', 'mirror'] as const : []) {
      await probe(`incoming ${trafficMode} (BPF)`, async () => {
        const sub = await live.subscribe({ port: 39_999, mode: trafficMode }, (conn) => conn.destroy());
        await sub.close();
        return 'works';
      }, false);
    }
  } catch (err) {
    ok = false;
    report({ status: 'fail', text: isClusterError(err) || isTargetError(err) ? `${err.code}: ${err.message}` : errText(err) });
  } finally {
    await session?.close().catch(() => undefined);
    await remove?.().catch((err: unknown) => report({ status: 'warn', text: `removing the doctor's agent failed: ${errText(err)}` }));
  }
  return ok;
}
