// .NET through netcoredbg (`netcoredbg --interpreter=vscode`, DAP on stdio). netcoredbg ships only
// as release binaries (no Debian or npm package), so it is exercised with a recorded-protocol
// fixture; see README.md here. Launch shape (vsdbg style): program (the .dll), args, cwd,
// env as an object, stopAtEntry, justMyCode. With a target, the program (`dotnet app.dll`) is
// started under the layer and netcoredbg attaches to its pid.
import type { BackendContext, BackendSession, DebugBackend } from '../backend.js';
import { extension } from '../program-kind.js';
import { startDapDebugger } from '../start-dap-debugger.js';
import { netcoredbgAttachArgs, netcoredbgLaunchArgs } from './launch-args.js';

const INSTALL_HINT = 'download a release from https://github.com/Samsung/netcoredbg/releases and put netcoredbg on PATH, or set "debuggerPath"';

export const netcoredbgBackend: DebugBackend<'dotnet'> = {
  kind: 'dotnet',
  claims: (config) => ['.dll', '.csproj', '.fsproj'].includes(extension(config.program)),
  start,
};

function start(ctx: BackendContext): Promise<BackendSession> {
  const { config } = ctx;
  return startDapDebugger(ctx, {
    name: 'netcoredbg', executables: ['netcoredbg'], what: '.NET debugger "netcoredbg"', install: INSTALL_HINT,
    args: ['--interpreter=vscode'], adapterID: 'coreclr',
    plan: {
      layerArgv: (p) => ['dotnet', p, ...(config.args ?? [])],
      attachArgs: (pid) => netcoredbgAttachArgs(config, pid),
      launchArgs: () => netcoredbgLaunchArgs(config),
    },
  });
}
