// `kmirror exec --target pid/N|netns/NAME|pod/... [-f config] -- <command...>`: runs any program
// with the layer against a target. A bad configuration is reported before anything starts; the
// exit code is the program's (128+signal when it was killed by one).
import { spawn } from 'node:child_process';
import { isConfigError } from '#runtime/config/errors.js';
import { loadConfig } from '#runtime/config/load.js';
import type { KmirrorConfig } from '#runtime/config/types.js';
import { openWorkstationSession, type SessionLogger } from '#runtime/session/workstation-session.js';
import { parseCommandLine, UsageError, type CliCommand, type CliIo } from './command.js';
import { applyKubeFlags, KUBE_FLAG_OPTIONS, KUBE_FLAGS_USAGE } from '#runtime/cluster/kube-flags.js';

const USAGE = `usage: kmirror exec [--target TARGET] [-f CONFIG] [--exclude-port PORT]... [--copy-target [--scale-down]] [-v] ${KUBE_FLAGS_USAGE} -- COMMAND [ARGS...]
  TARGET: pid/N, netns/NAME (local), or a Kubernetes target (pod/NAME, deploy/NAME, ...).
  --copy-target: work on a copy of the target pod (feature.copy_target); --scale-down: its Deployment goes to 0 meanwhile.
  CONFIG: a .kmirror.json / mirrord.json file (default: $MIRRORD_CONFIG_FILE, else ./.kmirror.json, else ./.mirrord/mirrord.json).
  The program's outgoing connections, DNS, files and environment resolve inside the target.`;

// SIGTERM/SIGHUP are passed on; SIGINT/SIGQUIT from a terminal reach the program's process group
// directly, so they are only held here (kmirror must outlive the program: it serves its proxy).
const FORWARDED = ['SIGTERM', 'SIGHUP'] as const;
const HELD = ['SIGINT', 'SIGQUIT'] as const;

function cliLogger(io: CliIo, verbose: boolean): SessionLogger {
  return {
    log(level, message, fields) {
      if (level === 'debug' && !verbose) return;
      if (level === 'info' && !verbose) return;
      io.stderr(`kmirror: ${level === 'info' ? '' : `${level}: `}${message}${fields && verbose ? ` ${JSON.stringify(fields)}` : ''}\n`);
    },
  };
}

/** --copy-target / --scale-down win over feature.copy_target (--scale-down implies --copy-target). */
function withCopyTargetFlags(config: KmirrorConfig, flags: { 'copy-target'?: boolean; 'scale-down'?: boolean }): KmirrorConfig {
  if (!flags['copy-target'] && !flags['scale-down']) return config;
  return { ...config, feature: { ...config.feature, copy_target: { scale_down: flags['scale-down'] === true } } };
}

export const execCommand: CliCommand = {
  name: 'exec',
  summary: 'run a program as if it ran inside the target (network, DNS, files, env)',
  usage: USAGE,
  async run(argv, io) {
    const parsed = parseCommandLine({
      args: argv, allowPositionals: true, strict: true,
      options: {
        target: { type: 'string', short: 't' }, file: { type: 'string', short: 'f' },
        'exclude-port': { type: 'string', multiple: true }, verbose: { type: 'boolean', short: 'v' },
        'copy-target': { type: 'boolean' }, 'scale-down': { type: 'boolean' },
        ...KUBE_FLAG_OPTIONS,
      },
    });
    const command = parsed.positionals;
    if (!command.length) throw new UsageError('no command given (put it after --)');
    const excludePorts = (parsed.values['exclude-port'] ?? []).map((p) => {
      const n = Number(p);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--exclude-port: bad port "${p}"`);
      return n;
    });
    const log = cliLogger(io, !!parsed.values.verbose);

    let loaded;
    try {
      loaded = loadConfig(parsed.values.file ? { file: parsed.values.file } : {});
    } catch (err) {
      if (isConfigError(err)) { io.stderr(`kmirror: ${err.message}\n`); return 2; }
      throw err;
    }
    for (const w of loaded.warnings) io.stderr(`kmirror: warning: ${w}\n`);

    let session;
    try {
      // --kubeconfig, --context, -n, -c (Kubernetes targets) win over the configuration file.
      const kube = applyKubeFlags(withCopyTargetFlags(loaded.config, parsed.values), parsed.values, parsed.values.target);
      if (kube.kubeconfig) process.env.KUBECONFIG = kube.kubeconfig;
      session = await openWorkstationSession({ config: kube.config, log, ...(kube.target ? { target: kube.target } : {}) });
    } catch (err) {
      io.stderr(`kmirror: ${isConfigError(err) ? '' : 'cannot start the session: '}${(err as Error).message}\n`);
      return isConfigError(err) ? 2 : 1;
    }
    try {
      const wrapped = session.wrapCommand(command, { excludePorts });
      const child = spawn(wrapped.command, wrapped.args, { env: wrapped.env, stdio: 'inherit' });
      const forward = (sig: NodeJS.Signals) => () => { child.kill(sig); };
      const handlers = FORWARDED.map((sig) => [sig, forward(sig)] as const);
      for (const [sig, h] of handlers) process.on(sig, h);
      const hold = (): void => undefined;
      for (const sig of HELD) process.on(sig, hold);
      const code = await new Promise<number>((resolve) => {
        child.once('error', (err) => { io.stderr(`kmirror: cannot start ${command[0]}: ${err.message}\n`); resolve(127); });
        child.once('exit', (c, sig) => resolve(c ?? 128 + (sig ? (({ SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGHUP: 1, SIGQUIT: 3 } as Record<string, number>)[sig] ?? 1) : 0)));
      });
      for (const [sig, h] of handlers) process.off(sig, h);
      for (const sig of HELD) process.off(sig, hold);
      return code;
    } finally {
      await session.close();
    }
  },
};
