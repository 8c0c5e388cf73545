// Real VS Code (code-server + headless chromium, as in ide-clients/test/vscode-real.int.test.ts):
// time from "Start Debugging" (F5) to the editor showing the breakpoint line as the top stack frame, for the same program
// with a pid/N target (kmirror starts its agent, the program runs under the layer) and without one
// (the bare debugger through kmirror-dap) — one run each, Python and Go, printed with the ratio.
// Needs root, a build and scripts/install-editors.sh. Run: npm run bench, or bundle with esbuild.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createNetns, requireRoot, spawnSleepTarget } from '../test/harness/netns.js';
import { startCodeServer } from '../ide-clients/test/vscode-real/code-server.js';
import { openWorkbench, stopDebugging, toggleBreakpointAt } from '../ide-clients/test/vscode-real/workbench.js';
import { writeLaunchJson } from '../ide-clients/test/vscode-real/workspace.js';

const ROOT = process.cwd();
const version = (JSON.parse(readFileSync(join(ROOT, 'ide-clients/vscode/package.json'), 'utf8')) as { version: string }).version;
const vsix = join(ROOT, 'dist', `kmirror-vscode-${version}.vsix`);
const breakLine = (path: string): number => readFileSync(path, 'utf8').split('\n').findIndex((l) => l.includes('BREAK')) + 1;

requireRoot();
const work = mkdtempSync(join(tmpdir(), 'kmirror-vscode-bench-'));
const ns = createNetns();
const codeServer = await startCodeServer(vsix).catch((e: unknown) => { ns.cleanup(); rmSync(work, { recursive: true, force: true }); throw e; });
try {
  const targetPid = await spawnSleepTarget(ns, { KM_GREETING: `bench-${randomBytes(4).toString('hex')}` });
  const programs = [
    { name: 'python', dir: 'py', program: 'app.py', source: 'app.py' },
    { name: 'go', dir: 'go', program: 'app', source: 'main.go' },
  ];
  for (const p of programs) {
    const ms: Record<string, number> = {};
    for (const mode of ['no target', `pid/${targetPid}`]) {
      // A fresh copy per mode: each workspace has its own launch.json.
      const folder = join(work, `${p.name}-${mode === 'no target' ? 'bare' : 'target'}`);
      cpSync(join(ROOT, 'adapter/dap/test/fixtures', p.dir), folder, { recursive: true });
      if (p.name === 'go') execFileSync('go', ['build', '-gcflags=all=-N -l', '-o', 'app', '.'], { cwd: folder, env: { ...process.env, GOFLAGS: '-mod=mod' } });
      writeLaunchJson(folder, `${p.name} ${mode}`, p.program, mode === 'no target' ? undefined : mode);
      const source = join(folder, p.source);
      const line = breakLine(source);
      const wb = await openWorkbench(codeServer.url, folder);
      try {
        await toggleBreakpointAt(wb.page, basename(source), line);
        const t0 = performance.now();
        await wb.page.keyboard.press('F5');
        // The stopped editor: the top frame's line highlight (the Call Stack may list dlv's threads collapsed).
        await wb.page.waitForSelector('.monaco-editor .debug-top-stack-frame-line', { timeout: 120_000 });
        ms[mode] = performance.now() - t0;
        await stopDebugging(wb.page);
      } finally {
        await wb.close();
      }
    }
    const bare = ms['no target']!; // both modes ran above
    const target = ms[`pid/${targetPid}`]!;
    console.log(`${p.name}: F5 → paused at the breakpoint: no target ${bare.toFixed(0)} ms, pid target ${target.toFixed(0)} ms, ratio ${(target / bare).toFixed(2)}×`);
  }
} finally {
  await codeServer.stop();
  ns.cleanup();
  rmSync(work, { recursive: true, force: true });
}
