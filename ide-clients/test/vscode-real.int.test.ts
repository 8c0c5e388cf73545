// Real VS Code (code-server in headless Debian chromium) with the built .vsix and DEFAULT settings:
// a user opens a folder with a `kmirror` launch.json against a pid/N target, sets a breakpoint (Ctrl+P,
// Ctrl+G, F9), presses F5 and sees the extension's one notification while the agent starts, ending
// "connected to pid/N", the call stack paused at the breakpoint line, the target's env value in
// Variables, an evaluation in the Debug Console; then continues to the next hit and clicks Stop.
// Python and Go. On failure a screenshot and kmirror-dap's log go to build/test-artifacts/vscode-real/;
// with $KMIRROR_SCREENSHOTS_DIR set (scripts/screenshots.sh → docs/images/) the stopped editor is saved there.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, spawnSleepTarget, type TestNetns } from '#test/harness/netns.js';
import { breakLine, buildFixtures, type Fixtures } from '../../adapter/dap/test/harness.js';
import { frameAt, saveScreenshot, withWorkbench as withWorkbenchIn } from './vscode-real/artifacts.js';
import { startCodeServer, type CodeServer } from './vscode-real/code-server.js';
import { expectOneTargetNotification } from './vscode-real/target-progress-checks.js';
import { evaluateInDebugConsole, expandFirstScope, recordProgress, seenProgress, stopDebugging, toggleBreakpointAt, waitForConnectedNotification, waitForText, type Page } from './vscode-real/workbench.js';
import { processesMentioning, writeLaunchJson } from './vscode-real/workspace.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const version = (JSON.parse(readFileSync(join(root, 'ide-clients/vscode/package.json'), 'utf8')) as { version: string }).version;
const vsix = join(root, 'dist', `kmirror-vscode-${version}.vsix`);
const artifacts = join(root, 'build/test-artifacts/vscode-real');
const TARGET_GREETING = `from-target-${randomBytes(4).toString('hex')}`;

let fx: Fixtures;
let ns: TestNetns;
let targetPid: number;
let codeServer: CodeServer;

beforeAll(async () => {
  requireRoot();
  if (!existsSync(vsix)) throw new Error(`${vsix} missing: run bash scripts/build.sh`);
  fx = buildFixtures();
  ns = createNetns();
  targetPid = await spawnSleepTarget(ns, { KM_GREETING: TARGET_GREETING });
  codeServer = await startCodeServer(vsix);
}, 180_000);
afterAll(async () => {
  await codeServer?.stop();
  ns?.cleanup();
  fx?.cleanup();
});

const withWorkbench = (name: string, folder: string, body: (page: Page) => Promise<void>): Promise<void> =>
  withWorkbenchIn(codeServer, artifacts, name, folder, body);

const cases = [
  { name: 'python', folder: () => join(fx.dir, 'py'), program: 'app.py', source: () => fx.pySource, count1: /count\s*[:=]\s*1\b/ },
  { name: 'go', folder: () => join(fx.dir, 'go'), program: 'app', source: () => fx.goSource, count1: /count\s*[:=]\s*1\b/ },
];

describe.each(cases)('VS Code (code-server) debugging a $name program against pid/N', (c) => {
  it('F5 → progress, paused at the breakpoint, the target\'s env in Variables, Debug Console, continue, stop', { timeout: 240_000 }, async () => {
    const source = c.source();
    const file = basename(source);
    const line = breakLine(source);
    writeLaunchJson(c.folder(), `${c.name} on the target`, c.program, `pid/${targetPid}`);
    await withWorkbench(c.name, c.folder(), async (page) => {
      await toggleBreakpointAt(page, file, line);
      // Run and Debug (Ctrl+Shift+D) shows the launch.json configuration; F5 starts it.
      await page.keyboard.press('Control+Shift+D');
      await waitForText(page, '.start-debug-action-item', (t) => t.includes(`${c.name} on the target`), 30_000);
      const target = `pid/${targetPid}`;
      await recordProgress(page, target);
      const logFrom = codeServer.dapLog().length; // this case's part of kmirror-dap's log
      await page.keyboard.press('F5');
      // The extension's notification shows the agent starting from the first moment and ends with
      // "connected to pid/N", which stays a few seconds.
      await waitForConnectedNotification(page, target, 120_000);
      // The frame row reads `app.py 8:1` (debugpy) or `main.go 17` (dlv, no column).
      await waitForText(page, '.debug-call-stack', (t) => frameAt(file, line).test(t), 120_000);
      // "Paused on breakpoint" sits in the Call Stack header (one thread) or on the thread row.
      await waitForText(page, '.part.sidebar', (t) => /paused on breakpoint/i.test(t), 15_000);
      await page.waitForSelector('.monaco-editor .debug-top-stack-frame-line', { timeout: 15_000 });
      const seen = await seenProgress(page);
      process.stderr.write(`vscode-real ${c.name}: toasts ${JSON.stringify(seen.toasts)}\n`);
      expectOneTargetNotification(seen, codeServer.dapLog().slice(logFrom), target);
      await expandFirstScope(page);
      const variables = await waitForText(page, '.debug-variables', (t) => t.includes(TARGET_GREETING), 30_000);
      expect(variables).toMatch(/greeting/);
      // Default settings: VS Code started the bundled adapter through its `node -e` fork.
      const adapters = processesMentioning(`${codeServer.extensionsDir}/`).filter((argv) => argv.some((a) => a.endsWith('/dist/kmirror-dap.js')));
      expect(adapters.some((argv) => argv[1] === '-e'), JSON.stringify(adapters)).toBe(true);
      await saveScreenshot(page, `vscode-stopped-${c.name}.png`);

      expect(await evaluateInDebugConsole(page, 'count + 100', /\b100\b/)).toMatch(/\b100\b/);

      await page.keyboard.press('F5'); // Continue: the loop's next iteration stops at the same line
      await waitForText(page, '.debug-variables', (t) => c.count1.test(t), 60_000);
      await stopDebugging(page);
      await waitForText(page, '.debug-call-stack', (t) => !frameAt(file, line).test(t), 30_000);
    });
  });
});
