// Opens the agent for `--target` the way every session does (adapter/runtime/placement/: a local
// child process for pid/N and netns/NAME, a node Job or ephemeral container for Kubernetes
// objects), with the configuration file and the Kubernetes flags applied. Used by `kmirror trace`
// and `kmirror snapshot`, which talk to the agent directly and need no local proxy.
import { isConfigError } from '#runtime/config/errors.js';
import { loadConfig } from '#runtime/config/load.js';
import { applyKubeFlags, type KubeFlags } from '#runtime/cluster/kube-flags.js';
import { placementForTarget } from '#runtime/placement/placement-for-target.js';
import type { OpenedAgent } from '#runtime/placement/placement.js';
import { UsageError, type CliIo } from '../commands/command.js';

export interface TargetAgentFlags extends KubeFlags {
  target?: string;
  file?: string;
  verbose?: boolean;
}

/** Bound on starting or placing the agent and connecting the tunnel. */
const OPEN_TIMEOUT_MS = 120_000;

export async function openTargetAgent(flags: TargetAgentFlags, io: CliIo, signal?: AbortSignal): Promise<OpenedAgent> {
  let loaded;
  try {
    loaded = loadConfig(flags.file ? { file: flags.file } : {});
  } catch (err) {
    if (isConfigError(err)) throw new UsageError(err.message);
    throw err;
  }
  for (const w of loaded.warnings) io.stderr(`kmirror: warning: ${w}\n`);
  const kube = applyKubeFlags(loaded.config, flags, flags.target);
  if (!kube.target) throw new UsageError('--target is required (or "target" in the configuration file)');
  if (kube.kubeconfig) process.env.KUBECONFIG = kube.kubeconfig;
  const placement = await (async () => {
    try {
      return await placementForTarget(kube.target!, kube.config, {
        log: (level, message) => { if (flags.verbose || level === 'warn') io.stderr(`kmirror: ${level === 'warn' ? 'warning: ' : ''}${message}\n`); },
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (isConfigError(err)) throw new UsageError(err.message);
      throw err;
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const opening = placement.open();
  try {
    return await Promise.race([opening, new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`agent for ${kube.target}: not connected within ${OPEN_TIMEOUT_MS / 1000} s`)), OPEN_TIMEOUT_MS);
    })]);
  } catch (err) {
    // An open still in progress is closed when it completes, so nothing it started is left behind.
    void opening.then((o) => o.close(), () => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
