// The DAP side of the remote attach benches (bench/attach*.ts), for kmirror-dap and for a debugger reached the
// manual way alike: attach → breakpoint → configurationDone → one request to the pod → `stopped` (the time
// measured), then the breakpoint cleared, continue, the request answered, detach.
import { resolve } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { httpGet } from './cluster-attach.js';

export const KMIRROR_DAP = resolve('dist/kmirror-dap.js');
/** Every DAP request's bound: placing an agent and a debugger container on a busy node takes a while. */
const TIMEOUT_MS = 120_000;

/** A DebugClient on a new kmirror-dap, or on `manual.port` (a debugger reached the manual way); initialized. */
export async function startDapClient(manual?: { port: number; adapterID: string }): Promise<DebugClient> {
  const adapterID = manual?.adapterID ?? 'kmirror';
  const dc = new DebugClient('node', manual ? '' : KMIRROR_DAP, adapterID);
  dc.defaultTimeout = TIMEOUT_MS;
  await dc.start(manual?.port);
  try {
    await dc.initializeRequest({ adapterID, linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  } catch (err) {
    if (!manual) await dc.stop(); // the manual way's port-forward goes first (the caller's)
    throw err;
  }
  return dc;
}

export interface FirstStop {
  attach: Record<string, unknown>;
  /** debugpy answers attach only after configurationDone: the breakpoint and configurationDone go before its answer. */
  attachAnsweredAfterConfigurationDone?: boolean;
  path: string;
  line: number;
  /** The kubelet's probes go through the same handler: a condition lets only the bench's request stop. */
  condition?: string;
  podIp: string;
}

/** Attach to the first stop of a request to the pod: the ms since `start`; then continue and detach. */
export async function firstStop(dc: DebugClient, s: FirstStop, start: bigint): Promise<number> {
  const setBreakpoint = (): Promise<unknown> => dc.setBreakpointsRequest({ source: { path: s.path }, breakpoints: [{ line: s.line, condition: s.condition }] });
  if (s.attachAnsweredAfterConfigurationDone) {
    const initialized = dc.waitForEvent('initialized');
    const attached = dc.attachRequest(s.attach as DebugProtocol.AttachRequestArguments);
    await initialized;
    await setBreakpoint();
    await dc.configurationDoneRequest();
    await attached;
  } else {
    await dc.attachRequest(s.attach as DebugProtocol.AttachRequestArguments);
    await setBreakpoint();
    await dc.configurationDoneRequest();
  }
  const answered = httpGet(`http://${s.podIp}:8080/bench`);
  const stopped = await dc.waitForEvent('stopped') as DebugProtocol.StoppedEvent;
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await dc.setBreakpointsRequest({ source: { path: s.path }, breakpoints: [] });
  await dc.continueRequest({ threadId: stopped.body.threadId! });
  await answered;
  await dc.disconnectRequest({ terminateDebuggee: false });
  return ms;
}
