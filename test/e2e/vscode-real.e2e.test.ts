// Real VS Code (code-server in headless Debian chromium, as ide-clients/test/vscode-real.int.test.ts) with
// the built .vsix and DEFAULT settings, against a CLUSTER target: the workspace's launch.json runs a local
// program with `deploy/web` in a guarded namespace as target — a Python script, and a Go package that
// kmirror-dap builds itself. F5 as a user presses it; checked in the rendered workbench: the extension's one
// notification while the agent starts in the cluster, ending "connected to deploy/web", the Call Stack
// paused at the breakpoint line, the Variables view with the value only the pod's env has, then Stop —
// after which nothing of the session is left in the cluster and the local program is gone. On failure a
// screenshot and kmirror-dap's log go to build/test-artifacts/vscode-real/; with $KMIRROR_SCREENSHOTS_DIR
// set (scripts/screenshots.sh) the notification is saved as vscode-progress.png (Python case).
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakLine } from '../../adapter/dap/test/harness.js';
import { frameAt, saveScreenshot, withWorkbench } from '../../ide-clients/test/vscode-real/artifacts.js';
import { startCodeServer, type CodeServer } from '../../ide-clients/test/vscode-real/code-server.js';
import { expectOneTargetNotification } from '../../ide-clients/test/vscode-real/target-progress-checks.js';
import { expandFirstScope, recordProgress, seenProgress, stopDebugging, toggleBreakpointAt, waitForConnectedNotification, waitForText } from '../../ide-clients/test/vscode-real/workbench.js';
import { writeLaunchJson } from '../../ide-clients/test/vscode-real/workspace.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace, waitFor } from './harness/cluster.js';
import { deployApp, kmirrorObjects, readyPodName, waitForNoKmirrorObjects } from './k8s/fixtures.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const version = (JSON.parse(readFileSync(join(root, 'ide-clients/vscode/package.json'), 'utf8')) as { version: string }).version;
const vsix = join(root, 'dist', `kmirror-vscode-${version}.vsix`);
const artifacts = join(root, 'build/test-artifacts/vscode-real');
const POD_GREETING = `from-pod-${randomBytes(4).toString('hex')}`;
const TARGET = 'deploy/web';

let guard: ClusterGuard;
let core: CoreV1Api;
let ns: string;
let work: string;
let codeServer: CodeServer;

beforeAll(async () => {
  if (!existsSync(vsix)) throw new Error(`${vsix} missing: run bash scripts/build.sh`);
  ({ guard, core, ns } = await openGuardedNamespace('kmt-vscode'));
  // Only the pod has KM_GREETING: the workstation's test process does not.
  delete process.env.KM_GREETING;
  await deployApp(guard.kc, ns, 'web', IMAGES.nodeHttp, 'unused', { env: { KM_GREETING: POD_GREETING } });
  await readyPodName(core, ns, 'web');
  work = mkdtempSync(join(tmpdir(), 'kmirror-e2e-vscode-'));
  codeServer = await startCodeServer(vsix, { env: { KUBECONFIG: KUBECONFIG_PATH } });
}, 300_000);

afterAll(async () => {
  await codeServer?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  if (guard) await waitForNoKmirrorObjects(guard.kc, ns, 30_000).catch(() => undefined);
  await guard?.dispose();
});

/**
 * `pid argv…` of the workstation's processes whose environment holds `entry`: the local program got the
 * pod's KM_GREETING, nothing else on the workstation has it (the pod's own process, on this same node, runs
 * in the container's mount namespace and is left out).
 */
function processesWithEnv(entry: string): string[] {
  const found: string[] = [];
  const ownMounts = readlinkSync('/proc/self/ns/mnt');
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/mnt`) !== ownMounts) continue;
      if (!readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry)) continue;
      found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    } catch {
      continue; // exited while we looked
    }
  }
  return found;
}

// The fixture programs read KM_GREETING and loop over a line marked BREAK. Go: the package folder as
// `program`, built by kmirror-dap (go build with progress) before dlv attaches.
const cases = [
  { name: 'python', fixture: 'py', source: 'app.py', launch: { program: '${workspaceFolder}/app.py' }, screenshot: 'vscode-progress.png' },
  { name: 'go', fixture: 'go', source: 'main.go', launch: { program: '${workspaceFolder}', debugger: 'go' }, screenshot: undefined },
];

describe.each(cases)('VS Code (code-server) debugging a $name program against deploy/web in the cluster', (c) => {
  it('F5 → the agent\'s notification, paused at the breakpoint, the pod\'s env in Variables, Stop leaves nothing behind', { timeout: 300_000 }, async () => {
    const folder = join(work, c.name);
    cpSync(join(root, 'adapter/dap/test/fixtures', c.fixture), folder, { recursive: true });
    const line = breakLine(join(folder, c.source));
    writeLaunchJson(folder, `${c.name} on ${TARGET}`, c.source, TARGET, { ...c.launch, kmirror: { target: { namespace: ns } }, targetTimeoutMs: 120_000 });
    await withWorkbench(codeServer, artifacts, `cluster-${c.name}`, folder, async (page) => {
      await toggleBreakpointAt(page, c.source, line);
      await page.keyboard.press('Control+Shift+D');
      await waitForText(page, '.start-debug-action-item', (t) => t.includes(`${c.name} on ${TARGET}`), 30_000);
      await recordProgress(page, TARGET);
      const logFrom = codeServer.dapLog().length; // this case's part of kmirror-dap's log
      await page.keyboard.press('F5');

      // The extension's notification: up from the first moment, it ends "connected to deploy/web" and stays a few seconds.
      await waitForConnectedNotification(page, TARGET, 150_000);
      if (c.screenshot) await saveScreenshot(page, c.screenshot);
      // The session's agent runs in the target's namespace (what the Stop check below expects gone).
      const agent = await waitFor('kmirror\'s agent in the namespace', async () => {
        const objects = await kmirrorObjects(guard.kc, ns);
        return objects.length > 0 ? objects : undefined;
      }, 60_000);
      expect(agent.some((o) => o.startsWith('pod/')), agent.join(', ')).toBe(true);

      // The frame row reads `app.py 8:1` (debugpy) or `main.go 17` (dlv, no column).
      await waitForText(page, '.debug-call-stack', (t) => frameAt(c.source, line).test(t), 180_000);
      await waitForText(page, '.part.sidebar', (t) => /paused on breakpoint/i.test(t), 15_000);
      await page.waitForSelector('.monaco-editor .debug-top-stack-frame-line', { timeout: 15_000 });
      const seen = await seenProgress(page);
      process.stderr.write(`vscode-real e2e ${c.name}: toasts ${JSON.stringify(seen.toasts)}\n`);
      expectOneTargetNotification(seen, codeServer.dapLog().slice(logFrom), TARGET);
      await expandFirstScope(page);
      const variables = await waitForText(page, '.debug-variables', (t) => t.includes(POD_GREETING), 30_000);
      expect(variables).toMatch(/greeting/);
      expect(processesWithEnv(`KM_GREETING=${POD_GREETING}`).length, 'the local program runs with the pod\'s env').toBeGreaterThan(0);

      await stopDebugging(page);
      await waitForText(page, '.debug-call-stack', (t) => !frameAt(c.source, line).test(t), 30_000);
    });
    // Nothing of the session remains: no agent Job, pod or token Secret in the cluster, no local program.
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
    let left: string[] = [];
    await waitFor('the local program to end', async () => ((left = processesWithEnv(`KM_GREETING=${POD_GREETING}`)).length === 0 ? true : undefined), 30_000)
      .catch((e: unknown) => { throw new Error(`${(e as Error).message}; still running: ${left.join(' | ')}`); });
  });
});
