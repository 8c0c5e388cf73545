// What a real-VS-Code test leaves behind: on failure a screenshot of the workbench and kmirror-dap's log
// (named in the thrown error, so they show in the test output); with $KMIRROR_SCREENSHOTS_DIR set
// (scripts/screenshots.sh → docs/images/) the screenshots the docs show.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeServer } from './code-server.js';
import { openWorkbench, type Page } from './workbench.js';

/** Runs `body` on a fresh workbench; on failure saves a screenshot and kmirror-dap's log under `artifactsDir` and names them in the error. */
export async function withWorkbench(codeServer: CodeServer, artifactsDir: string, name: string, folder: string,
  body: (page: Page) => Promise<void>): Promise<void> {
  const wb = await openWorkbench(codeServer.url, folder);
  try {
    await body(wb.page);
  } catch (e) {
    mkdirSync(artifactsDir, { recursive: true });
    const shot = join(artifactsDir, `${name}-failure.png`);
    await wb.page.screenshot({ path: shot }).catch(() => undefined);
    writeFileSync(join(artifactsDir, `${name}-kmirror-dap.log`), codeServer.dapLog());
    process.stderr.write(`vscode-real: screenshot of the failure: ${shot} (kmirror-dap's log beside it)\n`);
    throw new Error(`${(e as Error).message}\n(screenshot: ${shot})`, { cause: e });
  } finally {
    await wb.close();
  }
}

/** Saves a screenshot as `file` in $KMIRROR_SCREENSHOTS_DIR; does nothing when it is not set. */
export async function saveScreenshot(page: Page, file: string): Promise<void> {
  const dir = process.env.KMIRROR_SCREENSHOTS_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, file) });
}

/** Matches a Call Stack frame row at `file:line` (`app.py 8:1` from debugpy, `main.go 17` from dlv). */
export const frameAt = (file: string, line: number): RegExp => new RegExp(`${file.replace('.', '\\.')}\\s+${line}(?::\\d+)?(?!\\d)`);
