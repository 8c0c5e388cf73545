// The "kmirror trace" output channel: the launch field `trace` streams the target's events, and
// inside VS Code they go to a channel of their own instead of the Debug Console. The configuration
// asks kmirror-dap for `kmirror/trace` events (traceOutput "event"), which VS Code hands to
// extensions as custom events; each one becomes a line of the channel. Pure helpers + one hook-up.
import type * as vscode from 'vscode';

export const TRACE_CHANNEL_NAME = 'kmirror trace';
export const TRACE_EVENT = 'kmirror/trace';

/** A configuration with `trace` asks for trace events unless the user chose where they go. */
export function withTraceChannel<T extends Record<string, unknown>>(config: T): T {
  if (!Array.isArray(config.trace) || config.traceOutput !== undefined) return config;
  return { ...config, traceOutput: 'event' };
}

/** The channel line of a `kmirror/trace` event body (`{ line, data }`); undefined for anything else. */
export function traceChannelLine(sessionName: string, body: unknown): string | undefined {
  const line = typeof body === 'object' && body !== null ? (body as { line?: unknown }).line : undefined;
  return typeof line === 'string' ? `${sessionName}: ${line}` : undefined;
}

type VscodeApi = Pick<typeof vscode, 'window' | 'debug'>;

/** Creates the channel and fills it from every kmirror session's trace events; shown when a session's first arrives. */
export function registerTraceChannel(api: VscodeApi): vscode.Disposable[] {
  const channel = api.window.createOutputChannel(TRACE_CHANNEL_NAME);
  const shownFor = new Set<string>();
  const listener = api.debug.onDidReceiveDebugSessionCustomEvent((e) => {
    if (e.session.type !== 'kmirror' || e.event !== TRACE_EVENT) return;
    const line = traceChannelLine(e.session.name, e.body);
    if (!line) return;
    channel.appendLine(line);
    if (!shownFor.has(e.session.id)) {
      shownFor.add(e.session.id);
      channel.show(true);
    }
  });
  const ended = api.debug.onDidTerminateDebugSession((s) => shownFor.delete(s.id));
  return [channel, listener, ended];
}
