// .NET through netcoredbg (`netcoredbg --interpreter=vscode`, DAP on stdio). netcoredbg ships only
// as release binaries (no Debian or npm package), so it is exercised with a recorded-protocol
// fixture; see README.md here. Launch shape (vsdbg style): program (the .dll), args, cwd,
// env as an object, stopAtEntry, justMyCode. With a target, the program (`dotnet app.dll`) is
// started under the layer and netcoredbg attaches to its pid.
import { dirname, resolve } from 'node:path';
import type { BackendContext, BackendSession, DebugBackend } from '../backend.js';
import { DebuggerProcess } from '../debugger-process.js';
import { requireExecutable } from '../find-executable.js';
import { planLaunch, type LaunchPlan } from '../launch-plan.js';
import { extension } from '../program-kind.js';
import { ProxySession } from '../proxy-session.js';
import { netcoredbgAttachArgs, netcoredbgLaunchArgs } from './launch-args.js';

const INSTALL_HINT = 'download a release from https://github.com/Samsung/netcoredbg/releases and put netcoredbg on PATH, or set "debuggerPath"';

export const netcoredbgBackend: DebugBackend = {
  kind: 'dotnet',
  claims: (config) => ['.dll', '.csproj', '.fsproj'].includes(extension(config.program)),
  start,
};

async function start(ctx: BackendContext): Promise<BackendSession> {
  const { config } = ctx;
  const exe = requireExecutable([config.debuggerPath ?? 'netcoredbg'], '.NET debugger "netcoredbg"', INSTALL_HINT);
  const program = config.program ? resolve(config.cwd ?? '.', config.program) : undefined;
  const adapter = await DebuggerProcess.start('netcoredbg', exe, ['--interpreter=vscode'], { cwd: config.cwd ?? (program ? dirname(program) : process.cwd()) });
  let plan: LaunchPlan | undefined;
  try {
    plan = await planLaunch(ctx, {
      program,
      layerArgv: (p) => ['dotnet', p, ...(config.args ?? [])],
      attachArgs: (pid) => netcoredbgAttachArgs(config, pid),
      launchArgs: () => netcoredbgLaunchArgs(config),
    });
    const { launch, owned, onDispose } = plan;
    const session = new ProxySession({ name: 'netcoredbg', ctx, debugger: adapter, input: adapter.child.stdout!, output: adapter.child.stdin!, adapterID: 'coreclr', launch, owned, onDispose });
    return await session.initialize();
  } catch (e) {
    plan?.onDispose?.(); // a program held at start must not stay stopped
    await Promise.all([adapter.stop(), ...(plan?.owned ?? []).map((p) => p.stop())]);
    throw e;
  }
}
