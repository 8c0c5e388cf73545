// Python through the debugpy adapter (`python -m debugpy.adapter`, DAP on stdio). debugpy answers
// `launch` only after `configurationDone`, which the session absorbs by running requests
// concurrently. The adapter runs its launcher with `debugLauncherPython`, and the launcher starts
// the debuggee with the full `python` argv; with a target that argv is the layer launcher +
// interpreter, so the layer covers exactly the debuggee, never the adapter or its launcher. The
// debuggee dials back to the adapter on loopback, which the layer leaves alone.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { BackendContext, BackendSession, DebugBackend } from '../backend.js';
import { DebuggerProcess } from '../debugger-process.js';
import { findExecutable } from '../find-executable.js';
import { extension } from '../program-kind.js';
import { debuggerCwd, programPath } from '../program-location.js';
import { ProxySession } from '../proxy-session.js';
import { DapError } from '../../common/errors.js';
import { debugpyLaunchArgs, layerOnlyEnv } from './launch-args.js';
import { attachRemotePython } from './remote-attach.js';

const INSTALL_HINT = 'apt-get install python3-debugpy (Debian/Ubuntu) or pip install debugpy; or set "debuggerPath" to a Python that has debugpy';

export const debugpyBackend: DebugBackend<'python'> = {
  kind: 'python',
  claims: (config) => ['.py', '.pyw'].includes(extension(config.program)),
  start,
};

/** The interpreter that runs the debug adapter: debuggerPath, $KMIRROR_PYTHON, Debian's /usr/bin/python3, else python3 on PATH. */
function adapterPython(debuggerPath: string | undefined): string {
  const candidates = [debuggerPath, process.env.KMIRROR_PYTHON, existsSync('/usr/bin/python3') ? '/usr/bin/python3' : undefined, 'python3', 'python'];
  for (const c of candidates) {
    if (!c) continue;
    const found = findExecutable([c]);
    if (found) return found;
    if (c === debuggerPath) break;
  }
  throw new DapError('DEBUGGER_NOT_FOUND', `Python interpreter ${debuggerPath ? `"${debuggerPath}"` : 'python3'} not found. Install: ${INSTALL_HINT}`);
}

/**
 * debugpy 1.6 sets breakpoints by file path only (pydevd reads `source.path` unchecked); given a
 * source without one it stops answering every later request of the session (found by the
 * live-debugger fuzz), so such a request is refused before it gets there.
 */
export function refuseBreakpointsWithoutPath(command: string, args: Record<string, unknown>): Record<string, unknown> {
  const path = (args.source as { path?: unknown } | undefined)?.path;
  if (command === 'setBreakpoints' && (typeof path !== 'string' || path === '')) {
    throw new DapError('NOT_SUPPORTED', 'setBreakpoints: debugpy sets breakpoints by file path only, and "source.path" is missing');
  }
  return args;
}

async function start(ctx: BackendContext): Promise<BackendSession> {
  const { config, layer } = ctx;
  // With a target and no host: the process runs in the pod (its debugpy reached through the tunnel).
  if (config.request === 'attach' && layer.remote && config.host === undefined) return attachRemotePython(ctx, layer.remote);
  const python = adapterPython(config.debuggerPath);
  const probe = spawnSync(python, ['-c', 'import debugpy'], { timeout: 15_000, encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new DapError('DEBUGGER_NOT_FOUND', `debugpy is not importable by ${python} (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}). Install: ${INSTALL_HINT}`);
  }
  const adapter = await DebuggerProcess.start('debugpy', python, ['-m', 'debugpy.adapter'], { cwd: debuggerCwd(config, programPath(config)), owner: ctx.processes });
  let args: Record<string, unknown>;
  if (config.request === 'launch' && layer.active) {
    const interpreter = typeof config['python' as keyof typeof config] === 'string' ? String(config['python' as keyof typeof config]) : python;
    const wrapped = layer.wrap([interpreter], { env: config.env ?? {} });
    const extraEnv = layerOnlyEnv(wrapped.env, layer.targetEnv, config.env ?? {});
    args = debugpyLaunchArgs(config, {
      python: [...(Object.keys(extraEnv).length ? ['/usr/bin/env', ...Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`)] : []), wrapped.command, ...wrapped.args],
      env: { ...layer.targetEnv, ...(config.env ?? {}) },
      launcherPython: python,
    });
  } else {
    args = debugpyLaunchArgs(config, {});
  }
  const session = new ProxySession({
    name: 'debugpy', ctx, debugger: adapter, input: adapter.child.stdout!, output: adapter.child.stdin!, adapterID: 'python',
    launch: { command: config.request, args },
    rewriteRequest: refuseBreakpointsWithoutPath,
    // debugpy's telemetry output events are noise for the user.
    rewriteEvent: (event, body) => (event === 'output' && (body as { category?: string })?.category === 'telemetry' ? undefined : { event, body }),
  });
  try {
    return await session.initialize();
  } catch (e) {
    await session.dispose();
    throw e;
  }
}
