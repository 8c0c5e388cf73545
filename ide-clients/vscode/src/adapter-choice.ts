// Decides how VS Code starts kmirror-dap, without touching the VS Code API (unit-testable):
// an adapter server the user runs (`kmirror-dap --port N`), an explicit path, `kmirror-dap` on
// PATH, or the copy bundled in the extension. Scripts (.js, .mjs) run under `node`.
import { delimiter, join } from 'node:path';

export type AdapterChoice =
  | { kind: 'executable'; command: string; args: string[]; source: 'setting' | 'path' | 'bundled' }
  | { kind: 'server'; host: string; port: number };

export interface AdapterChoiceInput {
  /** Setting kmirror.adapterServer: "PORT" or "HOST:PORT" of a running `kmirror-dap --port N`. */
  server?: string;
  /** Setting kmirror.adapterPath: a kmirror-dap executable or kmirror-dap.js. */
  adapterPath?: string;
  /** Setting kmirror.nodePath: the node used to run .js adapters. */
  nodePath?: string;
  /** Setting kmirror.defaultTarget, passed as --target. */
  defaultTarget?: string;
  /** The PATH to search. */
  pathEnv?: string;
  /** The extension's own kmirror-dap.js (absolute). */
  bundledAdapter: string;
  isExecutable: (path: string) => boolean;
}

/** Picks the adapter: server setting, then adapterPath, then PATH, then the bundled copy. */
export function chooseAdapter(input: AdapterChoiceInput): AdapterChoice {
  if (input.server?.trim()) return parseServer(input.server.trim());
  const extra = input.defaultTarget ? ['--target', input.defaultTarget] : [];
  const node = input.nodePath?.trim() || 'node';
  const run = (path: string, source: 'setting' | 'path' | 'bundled'): AdapterChoice =>
    /\.[cm]?js$/.test(path)
      ? { kind: 'executable', command: node, args: [path, ...extra], source }
      : { kind: 'executable', command: path, args: extra, source };
  if (input.adapterPath?.trim()) return run(input.adapterPath.trim(), 'setting');
  for (const dir of (input.pathEnv ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'kmirror-dap');
    if (input.isExecutable(candidate)) return run(candidate, 'path');
  }
  return run(input.bundledAdapter, 'bundled');
}

function parseServer(value: string): AdapterChoice {
  const m = /^(?:(.+):)?(\d+)$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`kmirror.adapterServer must be PORT or HOST:PORT of a running "kmirror-dap --port N", got "${value}"`);
  }
  return { kind: 'server', host: m[1] ?? '127.0.0.1', port };
}
