// What the user must have seen of a kmirror session connecting to its target in real VS Code: the
// extension's one notification, ending "connected to <target>", never a second (VS Code's own, delayed)
// toast; and, in kmirror-dap's log, the kmirror/progress* events that drove it instead of DAP's standard
// progress events for the target.
import { expect } from 'vitest';
import type { SeenProgress } from './workbench.js';

interface SentEvent { event: string; body?: { title?: string; target?: string; ok?: boolean; message?: string } }

/** The progress events kmirror-dap sent, read from its JSON-lines log (each DAP message is the `message` of a dap.send line). */
export function progressEventsSent(dapLog: string): SentEvent[] {
  const events: SentEvent[] = [];
  for (const line of dapLog.split('\n')) {
    if (!line.includes('"dap.send"') || !/progress(Start|Update|End)/.test(line)) continue;
    const m = JSON.parse(JSON.parse(line).message) as { type?: string } & SentEvent;
    if (m.type === 'event' && /progress(Start|Update|End)$/.test(m.event)) events.push({ event: m.event, ...(m.body ? { body: m.body } : {}) });
  }
  return events;
}

/** Checks the recorded toasts and kmirror-dap's log (KMIRROR_DAP_LOG at debug level) for `target`. */
export function expectOneTargetNotification(seen: SeenProgress, dapLog: string, target: string): void {
  const sent = progressEventsSent(dapLog);
  const details = `toasts seen: ${JSON.stringify(seen)}\nprogress sent: ${JSON.stringify(sent)}`;
  // Shown while the agent starts (the adapter's update before it places/spawns the agent), then the outcome.
  expect(seen.toasts.some((t) => t.includes(`kmirror: starting the agent for ${target}`)), details).toBe(true);
  expect(seen.toasts.some((t) => t.includes(`kmirror: connected to ${target}`)), details).toBe(true);
  expect(seen.maxTargetToasts, details).toBe(1);
  const start = sent.findIndex((e) => e.event === 'kmirror/progressStart' && e.body?.target === target);
  const end = sent.findIndex((e) => e.event === 'kmirror/progressEnd' && e.body?.ok === true && e.body.message === `connected to ${target}`);
  expect(start, details).toBeGreaterThanOrEqual(0);
  expect(end, details).toBeGreaterThan(start);
  // No standard progress for the target: VS Code would show it as a second toast after 500 ms.
  expect(sent.filter((e) => e.event === 'progressStart' && e.body?.title?.includes('connecting to')), details).toEqual([]);
}
