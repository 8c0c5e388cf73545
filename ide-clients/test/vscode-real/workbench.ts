// Debian's chromium (headless, driven by playwright-core from the editors cache) on a code-server
// workbench, with the actions a user takes: open a file, toggle a breakpoint, F5, the debug console.
// Reads what the user sees from the rendered DOM; every wait has a deadline.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EDITORS_DIR } from './code-server.js';

const PLAYWRIGHT = join(EDITORS_DIR, 'pw/node_modules/playwright-core');

// The slice of playwright-core's API used here (the package lives outside the project's node_modules).
export interface Locator {
  first(): Locator;
  count(): Promise<number>;
  click(): Promise<void>;
  innerText(opts?: { timeout?: number }): Promise<string>;
}
export interface Page {
  goto(url: string): Promise<unknown>;
  waitForSelector(selector: string, opts?: { timeout?: number; state?: 'visible' | 'hidden' | 'attached' | 'detached' }): Promise<unknown>;
  keyboard: { press(key: string): Promise<void>; type(text: string): Promise<void> };
  locator(selector: string): Locator;
  waitForTimeout(ms: number): Promise<void>;
  evaluate(script: string): Promise<unknown>;
  screenshot(opts: { path: string }): Promise<unknown>;
}
interface Browser {
  newPage(opts: { viewport: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}
interface Chromium {
  launch(opts: { executablePath: string; headless: boolean; env: NodeJS.ProcessEnv }): Promise<Browser>;
}

export interface Workbench {
  page: Page;
  close(): Promise<void>;
}

/** Opens `folder` in the workbench at `url`; resolves when the workbench has rendered. */
export async function openWorkbench(url: string, folder: string): Promise<Workbench> {
  let chromium: Chromium;
  try {
    ({ chromium } = createRequire(import.meta.url)(PLAYWRIGHT) as { chromium: Chromium });
  } catch (e) {
    throw new Error(`playwright-core missing under ${PLAYWRIGHT}: run bash scripts/install-editors.sh`, { cause: e });
  }
  let executablePath: string;
  try {
    executablePath = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch (e) {
    throw new Error('chromium missing: run bash scripts/install-editors.sh (apt-get install chromium)', { cause: e });
  }
  // Chromium writes its profile and dconf cache under XDG dirs: keep them in a temp dir.
  const xdg = mkdtempSync(join(tmpdir(), 'kmirror-chromium-'));
  mkdirSync(join(xdg, 'config'));
  const browser: Browser = await chromium.launch({
    executablePath, headless: true,
    env: { ...process.env, XDG_CONFIG_HOME: join(xdg, 'config'), XDG_CACHE_HOME: join(xdg, 'cache') },
  });
  const close = async (): Promise<void> => {
    await browser.close().catch(() => undefined);
    rmSync(xdg, { recursive: true, force: true });
  };
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    // The explorer shows the folder's files once the workspace is up.
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
    return { page, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Quick Open (Ctrl+P) → `file`, Ctrl+G → `line`, F9: a breakpoint as a keyboard user sets one. */
export async function toggleBreakpointAt(page: Page, file: string, line: number): Promise<void> {
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget', { state: 'visible', timeout: 15_000 });
  await page.keyboard.type(file);
  await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${file}"]`, { timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.waitForSelector(`.tab.active[aria-label*="${file}"]`, { timeout: 15_000 });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+G');
  await page.waitForSelector('.quick-input-widget', { state: 'visible', timeout: 15_000 });
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
  await page.keyboard.press('F9');
  await page.waitForSelector('.monaco-editor .codicon-debug-breakpoint', { timeout: 15_000 });
}

/** Text of the first element matching `selector` once it satisfies `ok`; throws after `ms` with the last text seen. */
export async function waitForText(page: Page, selector: string, ok: (text: string) => boolean, ms = 60_000, pollMs = 250): Promise<string> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    last = await page.locator(selector).first().innerText({ timeout: 1_000 }).catch(() => last);
    if (ok(last)) return last;
    await page.waitForTimeout(pollMs);
  }
  throw new Error(`${selector} did not show what was expected within ${ms} ms; last text:\n${last}`);
}

/** Types `expression` into the debug console (Ctrl+Shift+Y) and returns the console's text once it changed. */
export async function evaluateInDebugConsole(page: Page, expression: string, expect: RegExp): Promise<string> {
  await page.keyboard.press('Control+Shift+Y');
  await page.waitForSelector('.repl-input-wrapper .monaco-editor', { timeout: 15_000 });
  await page.locator('.repl-input-wrapper .monaco-editor').click();
  await page.keyboard.type(expression);
  await page.keyboard.press('Enter');
  return waitForText(page, '.repl .monaco-list-rows', (t) => expect.test(t), 30_000);
}

/** Expands the Variables view's first scope (Locals) when it is collapsed, as a user clicks it open. */
export async function expandFirstScope(page: Page): Promise<void> {
  const first = '.debug-variables .monaco-list-row[aria-level="1"]';
  await page.waitForSelector(first, { timeout: 30_000 });
  const collapsed = page.locator(`${first}[aria-expanded="false"]`).first();
  if (await collapsed.count() > 0) await collapsed.click();
}

// Runs in the page: records the text of every notification toast, the most toasts that mentioned
// the needle (the target) at one time (a second one would be VS Code's own delayed progress toast), and
// whether the Run and Debug view's progress bar ran, from DOM mutations, so a state that lives under a
// second is not missed.
const recorder = (needle: string): string => `(() => {
  const needle = ${JSON.stringify(needle)};
  const seen = (window.__kmSeen = { toasts: [], maxTargetToasts: 0, debugViewProgress: false });
  new MutationObserver(() => {
    let kmirror = 0;
    for (const t of document.querySelectorAll('.notification-toast')) {
      const text = t.innerText.trim();
      if (text.includes(needle)) kmirror++;
      if (text && !seen.toasts.includes(text)) seen.toasts.push(text);
    }
    seen.maxTargetToasts = Math.max(seen.maxTargetToasts, kmirror);
    const bar = document.querySelector('.part.sidebar .monaco-progress-container');
    if (bar && bar.classList.contains('active')) seen.debugViewProgress = true;
  }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['class'] });
})()`;

export interface SeenProgress {
  toasts: string[];
  maxTargetToasts: number;
  debugViewProgress: boolean;
}

/** Starts recording notification toasts (counting those that mention `needle`) and the Run and Debug view's progress bar. */
export async function recordProgress(page: Page, needle: string): Promise<void> {
  await page.evaluate(recorder(needle));
}

/** What recordProgress saw so far. */
export async function seenProgress(page: Page): Promise<SeenProgress> {
  return (await page.evaluate('window.__kmSeen')) as SeenProgress;
}

/**
 * Waits for the kmirror extension's notification to end with "connected to <target>" (it stays a few
 * seconds) and returns the toasts' text. The same notification showed the agent starting before that.
 */
export async function waitForConnectedNotification(page: Page, target: string, ms: number): Promise<string> {
  return waitForText(page, '.notifications-toasts', (t) => t.includes(`kmirror: connected to ${target}`), ms, 100);
}

/** Clicks the debug toolbar's Stop button and waits until the toolbar is gone (the session ended). */
export async function stopDebugging(page: Page): Promise<void> {
  await page.locator('.debug-toolbar .codicon-debug-stop').first().click();
  await page.waitForSelector('.debug-toolbar', { state: 'hidden', timeout: 60_000 });
}
