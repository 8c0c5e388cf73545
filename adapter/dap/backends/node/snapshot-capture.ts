// The Node bridge's snapshot fast path (launch field `nonBreaking`): on Debugger.paused at a
// breakpoint the scopes' properties (with object previews, so members come along without more
// round trips) are requested and Debugger.resume is sent right behind them, without waiting: the
// inspector answers in order while still paused, then resumes. The pause is one round trip.
import { performance } from 'node:perf_hooks';
import { clip, frameOf, SNAPSHOT_KIND, SNAPSHOT_LIMITS, type SnapshotBody, type SnapshotScope, type SnapshotVariable } from '../snapshot/snapshot.js';
import type { CdpClient } from './cdp-client.js';
import { formatValue, typeName, type RemoteObject } from './remote-object.js';
import type { ScriptRegistry } from './scripts.js';
import { stackTrace, type CallFrame } from './stack.js';

interface PreviewProperty { name: string; type: string; subtype?: string; value?: string }
type PreviewedObject = RemoteObject & { preview?: { properties: PreviewProperty[]; overflow?: boolean } };
interface Property { name: string; value?: PreviewedObject; get?: RemoteObject }

const SCOPE_NAMES: Record<string, string> = { local: 'Locals', block: 'Block', catch: 'Catch', closure: 'Closure' };

function previewValue(p: PreviewProperty): string {
  if (p.type === 'string') return JSON.stringify(p.value ?? '');
  if (p.subtype === 'null') return 'null';
  return p.value ?? p.type;
}

function variable(p: Property): SnapshotVariable {
  const value = p.value;
  if (!value) return { name: p.name, value: p.get ? '(getter)' : 'undefined' };
  const children = value.preview?.properties.slice(0, SNAPSHOT_LIMITS.childrenPerVariable)
    .map((c) => ({ name: c.name, value: clip(previewValue(c)), type: c.subtype ?? c.type }));
  return { name: p.name, value: clip(formatValue(value)), type: typeName(value), ...(children?.length ? { children } : {}) };
}

/**
 * Reads a snapshot of `frames` and resumes the program in the same turn. `hitAt`: when the pause
 * arrived (performance.now()); `seq`: the snapshot's number in the session.
 */
export async function captureAndResume(cdp: CdpClient, frames: CallFrame[], scripts: ScriptRegistry, hitAt: number, seq: number): Promise<SnapshotBody> {
  const time = new Date().toISOString();
  const top = frames[0];
  const chosen = (top?.scopeChain ?? []).filter((s) => s.type in SCOPE_NAMES && s.object.objectId).slice(0, SNAPSHOT_LIMITS.scopes);
  const reads = chosen.map((s) => cdp.send<{ result: Property[] }>('Runtime.getProperties', { objectId: s.object.objectId, ownProperties: true, generatePreview: true }));
  const resumed = cdp.send('Debugger.resume');
  const [properties] = await Promise.all([Promise.allSettled(reads), resumed.then(() => undefined, () => undefined)]);
  const pauseMs = performance.now() - hitAt;
  const scopes: SnapshotScope[] = chosen.map((s, i) => {
    const read = properties[i];
    const props = read?.status === 'fulfilled' ? read.value.result.filter((p) => p.value || p.get) : [];
    return {
      name: SCOPE_NAMES[s.type] ?? s.type,
      variables: props.slice(0, SNAPSHOT_LIMITS.variablesPerScope).map(variable),
      ...(props.length > SNAPSHOT_LIMITS.variablesPerScope ? { truncated: true } : {}),
    };
  });
  // Frames carry their locations already: mapping them to sources needs no debuggee round trip.
  const stack = stackTrace(frames, { threadId: 1, levels: SNAPSHOT_LIMITS.frames }, scripts);
  const first = stack.stackFrames[0];
  return {
    kind: SNAPSHOT_KIND, seq, threadId: 1, ...(first ? frameOf(first) : { line: 0 }), function: first?.name ?? '?',
    stack: stack.stackFrames.map(frameOf), totalFrames: stack.totalFrames ?? frames.length, scopes, pauseMs, capture: 'node-cdp', time,
  };
}
