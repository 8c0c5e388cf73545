// kmirror-dap: a Debug Adapter Protocol server that runs the debuggee with a Kubernetes pod's
// network, DNS, files and env. Wiring only: parse the command line, build the logger, serve.
//   kmirror-dap [--target pod/x] [--port N [--host H] | --socket PATH] [--exit-with-parent] [--idle-exit S] [--allow-other-users] [--log FILE|-] [--log-level …]
import { parseArgs } from 'node:util';
import { BACKENDS, DEBUGGER_KINDS } from './backends/registry.js';
import { createLogger, type LogLevel } from './server/log.js';
import { clientCloser, endWithProcess } from './server/process-lifetime.js';
import { serveStream, serveTcp, serveUnixSocket } from './server/server.js';
import { endWhenUnused } from './server/server-exit.js';
import { runCommand } from '#sdk/headless/run-command.js';
import { versionText } from '#runtime/version-text.js';

const USAGE = 'usage: kmirror-dap [--target TARGET] [--port N [--host HOST] [--allow-other-users] | --socket PATH] [--exit-with-parent] [--idle-exit SECONDS | --no-idle-exit] [--log FILE|-] [--log-level debug|info|warn|error] | kmirror-dap --version';

async function main(): Promise<void> {
  // `kmirror-dap run ...`: headless scripted debugging (#sdk/headless/run-command.ts).
  if (process.argv[2] === 'run') process.exit(await runCommand(process.argv.slice(3), { debuggerKinds: DEBUGGER_KINDS }));
  let values;
  try {
    ({ values } = parseArgs({
      // Explicit: VS Code starts a `node` adapter as `node -e "…require(process.argv[1])" kmirror-dap.js`, and
      // parseArgs' default (argv.slice(1) under -e) would then read our own script path as an argument.
      args: process.argv.slice(2),
      options: {
        target: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, socket: { type: 'string' },
        'allow-other-users': { type: 'boolean' },
        'idle-exit': { type: 'string' }, 'no-idle-exit': { type: 'boolean' }, 'exit-with-parent': { type: 'boolean' },
        log: { type: 'string' }, 'log-level': { type: 'string' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`kmirror-dap: ${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.version) {
    process.stdout.write(`${versionText('kmirror-dap')}\n`);
    return;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const log = createLogger({ file: values.log ?? process.env.KMIRROR_DAP_LOG, level: (values['log-level'] ?? process.env.KMIRROR_DAP_LOG_LEVEL ?? 'info') as LogLevel });
  const opts = { log, defaultTarget: values.target, backends: BACKENDS };
  // Server modes only: end with the editor that started us (off unless asked; --no-idle-exit wins).
  const idleExit = values['idle-exit'] === undefined || values['no-idle-exit'] ? undefined : Number(values['idle-exit']);
  if (idleExit !== undefined && !(idleExit > 0)) {
    process.stderr.write(`kmirror-dap: --idle-exit must be a number of seconds > 0, got ${values['idle-exit']}\n`);
    process.exit(2);
  }
  const exitOpts = { log, exitWithParent: values['exit-with-parent'] === true, ...(idleExit === undefined ? {} : { idleExitMs: idleExit * 1000 }) };
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      process.stderr.write(`kmirror-dap: --port must be a TCP port (0-65535), got ${values.port}\n`);
      process.exit(2);
    }
    const allowOtherUsers = values['allow-other-users'] === true;
    if (allowOtherUsers) {
      process.stderr.write('kmirror-dap: warning: --allow-other-users: any local user who can reach this port can run programs as you and use your cluster credentials\n');
    }
    const server = await serveTcp({ ...opts, port, host: values.host, allowOtherUsers });
    endWithProcess({ log, closeClients: clientCloser(server) });
    endWhenUnused(server, exitOpts);
    const address = server.address();
    // Editors and scripts read the actual port from this line (useful with --port 0).
    process.stdout.write(`kmirror-dap listening on ${typeof address === 'object' && address ? `${address.address}:${address.port}` : port}\n`);
    return;
  }
  if (values.socket !== undefined) {
    const server = await serveUnixSocket({ ...opts, path: values.socket });
    endWithProcess({ log, closeClients: clientCloser(server) });
    endWhenUnused(server, exitOpts);
    process.stdout.write(`kmirror-dap listening on ${values.socket}\n`);
    return;
  }
  endWithProcess({ log, closeClients: () => process.stdin.destroy() });
  const { ended } = serveStream(process.stdin, process.stdout, opts);
  await ended;
  // Let the last response drain and answer a late second disconnect, then leave (stdin may stay open).
  setTimeout(() => process.stdout.write('', () => process.exit(0)), 300);
}

void main();
