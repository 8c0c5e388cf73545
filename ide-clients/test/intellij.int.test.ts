// LSP4IJ DAP server templates: each folder parses as LSP4IJ reads it (template.json + launch.* /
// attach.* files), the launch configurations are valid kmirror configurations (generated schema),
// and the socket template's command and `waitForTrace` pattern match what kmirror-dap prints:
// started that way, kmirror-dap is found on the parsed port and answers DAP, and it ends when the
// process that started it (the IDE) is gone — LSP4IJ stops the server it started with the debug
// session, but a crashed or killed IDE would otherwise leave a listening server behind.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { findLaunchSchema } from '../scripts/launch-attributes.mjs';
import { initializeOverTcp, waitForOutput } from './dap-server-process.js';
import { waitGone } from '../../adapter/dap/test/process-tree.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = join(root, 'ide-clients/intellij');
const folders = ['kmirror-dap', 'kmirror-dap-socket'];
const read = (folder: string, file: string) => JSON.parse(readFileSync(join(dir, folder, file), 'utf8')) as Record<string, unknown>;

function launchValidator() {
  const path = findLaunchSchema(root);
  if (!path) throw new Error('no generated launch schema in build/schema/: run bash scripts/build.sh');
  return new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync(path, 'utf8')));
}

describe('LSP4IJ templates', () => {
  it.each(folders)('%s: template.json has the fields LSP4IJ reads', (folder) => {
    const t = read(folder, 'template.json') as { id: string; name: string; programArgs: { default: string }; fileTypeMappings: Array<{ fileType: { patterns: string[] }; languageId: string }> };
    expect(t.id).toBe(folder);
    expect(t.name).toMatch(/^kmirror-dap/);
    expect(t.programArgs.default.split(' ')[0]).toBe('kmirror-dap');
    const patterns = t.fileTypeMappings.flatMap((m) => m.fileType.patterns);
    expect(patterns).toEqual(expect.arrayContaining(['*.go', '*.py', '*.js', '*.ts', '*.rs', '*.c', '*.cpp', '*.cs']));
    for (const m of t.fileTypeMappings) expect(typeof m.languageId).toBe('string');
  });

  it('launch/attach files are valid kmirror configurations, the same in both folders', () => {
    const validate = launchValidator();
    const files = readdirSync(join(dir, folders[0] ?? '')).filter((f) => /^(launch|attach)\..*\.json$/.test(f)).sort();
    expect(files.length).toBeGreaterThanOrEqual(6);
    expect(readdirSync(join(dir, folders[1] ?? '')).filter((f) => /^(launch|attach)\./.test(f)).sort()).toEqual(files);
    for (const file of files) {
      const config = read(folders[0] ?? '', file);
      expect(read(folders[1] ?? '', file)).toEqual(config);
      expect(config.request).toBe(file.startsWith('attach.') ? 'attach' : 'launch');
      expect(typeof config.name).toBe('string');
      expect(validate(config), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('the socket template starts a kmirror-dap whose output matches waitForTrace and which answers DAP', async () => {
    const bundle = join(root, 'dist/kmirror-dap.js');
    expect(existsSync(bundle), 'dist/kmirror-dap.js missing: run node scripts/bundle.mjs').toBe(true);
    const t = read('kmirror-dap-socket', 'template.json') as { programArgs: { default: string }; waitForTrace: string };
    const [, ...args] = t.programArgs.default.split(' ');
    // LSP4IJ turns ${address} and ${port} in waitForTrace into captures of the server's output.
    const pattern = new RegExp(t.waitForTrace.replace(/[.*+?^()|[\]\\]/g, '\\$&').replace('${address}', '(\\S+)').replace('${port}', '(\\d+)'));
    const server = spawn(process.execPath, [bundle, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [, host = '', port] = await waitForOutput(server, pattern);
      expect(host).toBe('127.0.0.1');
      const caps = await initializeOverTcp(host, Number(port), 'lsp4ij');
      expect(caps.supportsConfigurationDoneRequest).toBe(true);
    } finally {
      server.kill();
    }
  });

  it('the socket template\'s server ends when the process that started it is killed', { timeout: 30_000 }, async () => {
    const bundle = join(root, 'dist/kmirror-dap.js');
    const t = read('kmirror-dap-socket', 'template.json') as { programArgs: { default: string } };
    const [, ...args] = t.programArgs.default.split(' ');
    expect(args).toContain('--exit-with-parent');
    // The "IDE": spawns the template's command directly (LSP4IJ runs no shell), reports the server's pid, then is killed.
    const ide = spawn(process.execPath, ['-e', `
      const s = require('node:child_process').spawn(process.execPath, ${JSON.stringify([bundle, ...args])}, { stdio: ['ignore', 'pipe', 'inherit'] });
      s.stdout.on('data', (d) => { if (/listening on/.test(d.toString())) console.log('server ' + s.pid); });
      setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let serverPid = 0;
    try {
      const [, pid] = await waitForOutput(ide, /server (\d+)/);
      serverPid = Number(pid);
      ide.kill('SIGKILL');
      expect(await waitGone([serverPid], 15_000)).toEqual([]);
    } finally {
      ide.kill('SIGKILL');
      if (serverPid) try { process.kill(serverPid, 'SIGKILL'); } catch { /* ended as it should */ }
    }
  });
});
