// Node snapshots without a pause (launch field `nonBreaking`, after a breakpoint's first hit): the
// breakpoint's condition itself reads the locals, arguments and stack inside the program, sends
// them through a CDP binding (Runtime.addBinding → Runtime.bindingCalled) and returns false, so V8
// never pauses. The program is held only while the condition runs (tens of µs), and no round trip
// to kmirror-dap is on its path: a paused program waits for the inspector's `Debugger.paused` frame,
// which Nagle on the inspector's socket holds until our delayed ACK (≈40 ms per hit on Linux).
// The variable names come from the first hit's real pause (snapshot-capture.ts); values are
// formatted in the program without calling getters or proxies' traps beyond own-property reads.
import { fileURLToPath } from 'node:url';
import type { CdpClient } from './cdp-client.js';
import type { ScriptRegistry } from './scripts.js';
import { frameLocation, type CallFrame } from './stack.js';
import { clip, frameOf, SNAPSHOT_KIND, SNAPSHOT_LIMITS, type SnapshotBody, type SnapshotScope, type SnapshotVariable } from '../snapshot/snapshot.js';
import type { ScriptInfo } from './source-maps.js';

export const BINDING = '__kmirrorSnapshot';
const HELPER = "globalThis[Symbol.for('kmirror.snapshot')]";
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Installed once in the program: formats values and the stack, sends one record, returns false. */
export const HELPER_SOURCE = `(() => {
  const send = globalThis.${BINDING}, now = () => performance.now(), L = ${JSON.stringify(SNAPSHOT_LIMITS)};
  const own = Object.getOwnPropertyNames, descriptor = Object.getOwnPropertyDescriptor, proto = Object.getPrototypeOf;
  const className = (v) => { try { const p = proto(v); const c = p && descriptor(p, 'constructor'); return (c && typeof c.value === 'function' && c.value.name) || 'Object'; } catch { return 'Object'; } };
  const short = (v) => {
    if (v === null) return ['null', 'null'];
    const t = typeof v;
    if (t === 'string') return [JSON.stringify(v.length > L.valueChars ? v.slice(0, L.valueChars) : v), 'string'];
    if (t === 'bigint') return [v + 'n', t];
    if (t === 'symbol') return [v.toString(), t];
    if (t === 'function') return ['ƒ ' + (v.name || '(anonymous)') + '()', 'function'];
    if (t !== 'object') return [String(v), t];
    const c = className(v);
    if (Array.isArray(v)) return ['Array(' + v.length + ')', 'Array'];
    if (v instanceof Map || v instanceof Set) return [c + '(' + v.size + ')', c];
    if (v instanceof Date) return [isNaN(v) ? 'Invalid Date' : v.toISOString(), c];
    if (v instanceof Error) return [String(v.stack || v).split('\\n')[0], c];
    if (v instanceof RegExp) return [String(v), c];
    return [c, c];
  };
  const variable = (name, v, expand) => {
    const [value, type] = short(v), out = { name, value, type };
    if (expand && v !== null && typeof v === 'object') {
      const children = [];
      for (const k of own(v)) {
        if (children.length >= L.childrenPerVariable) break;
        const d = descriptor(v, k);
        if (!d || (!d.enumerable && !Array.isArray(v))) continue;
        if (Array.isArray(v) && k === 'length') continue;
        const [cv, ct] = 'value' in d ? short(d.value) : ['(getter)', 'accessor'];
        children.push({ name: k, value: cv, type: ct });
      }
      if (children.length) out.children = children;
    }
    return out;
  };
  globalThis[Symbol.for('kmirror.snapshot')] = function snapshot(id, scopes) {
    const t0 = now();
    try {
      const limit = Error.stackTraceLimit, prepare = Error.prepareStackTrace;
      let sites = [];
      try {
        Error.stackTraceLimit = L.frames + 4;
        Error.prepareStackTrace = (_, s) => s;
        const holder = {};
        Error.captureStackTrace(holder, snapshot);
        sites = holder.stack;
      } finally { Error.prepareStackTrace = prepare; Error.stackTraceLimit = limit; }
      const stack = sites.filter((s) => !s.isEval() && s.getFileName()).slice(0, L.frames)
        .map((s) => ({ name: s.getFunctionName() || '(anonymous)', file: s.getFileName(), line: s.getLineNumber(), column: s.getColumnNumber() }));
      let expanded = 0;
      const read = scopes.map(([name, names, thunks]) => ({ name, variables: names.map((n, i) => {
        let v;
        try { v = thunks[i](); } catch { return { name: n, value: '(unavailable)' }; }
        const expand = v !== null && typeof v === 'object' && expanded++ < L.expandedVariables;
        return variable(n, v, expand);
      }) }));
      send(JSON.stringify({ id, stack, scopes: read, pauseMs: now() - t0 }));
    } catch {}
    return false;
  };
})()`;

interface InPlaceRecord { id: number; stack: Array<{ name: string; file: string; line: number; column: number }>; scopes: SnapshotScope[]; pauseMs: number }

export class InPlaceSnapshots {
  private installed: Promise<void> | undefined;
  private readonly byFile = new Map<string, ScriptInfo | undefined>();

  constructor(private readonly cdp: CdpClient, private readonly scripts: ScriptRegistry) {}

  /** Adds the binding and the helper to the program (once). */
  install(): Promise<void> {
    this.installed ??= (async () => {
      await this.cdp.send('Runtime.addBinding', { name: BINDING });
      const r = await this.cdp.send<{ exceptionDetails?: { text: string } }>('Runtime.evaluate', { expression: HELPER_SOURCE, silent: true });
      if (r.exceptionDetails) throw new Error(`installing the snapshot helper: ${r.exceptionDetails.text}`);
    })();
    return this.installed;
  }

  /** Leaves the program as it was: no helper, no binding. */
  async uninstall(): Promise<void> {
    if (!this.installed) return;
    this.installed = undefined;
    await this.cdp.send('Runtime.evaluate', { expression: `delete ${HELPER}; delete globalThis.${BINDING}`, silent: true }).catch(() => undefined);
    await this.cdp.send('Runtime.removeBinding', { name: BINDING }).catch(() => undefined);
  }

  /** The condition that snapshots breakpoint `id` with these scopes' variables (from a real pause) and never pauses. */
  condition(id: number, scopes: SnapshotScope[]): string {
    const seen = new Set<string>();
    const parts = scopes.map((s) => {
      const names = s.variables.map((v) => v.name).filter((n) => IDENTIFIER.test(n) && !seen.has(n) && seen.add(n));
      return `[${JSON.stringify(s.name)}, ${JSON.stringify(names)}, [${names.map((n) => `() => ${n}`).join(', ')}]]`;
    });
    return `${HELPER}(${id}, [${parts.join(', ')}])`;
  }

  /** A binding call from the program as a snapshot record (undefined: not ours). */
  record(name: string, payload: string, seq: number): SnapshotBody | undefined {
    if (name !== BINDING) return undefined;
    const r = JSON.parse(payload) as InPlaceRecord;
    const stack = r.stack.map((f) => {
      const script = this.scriptFor(f.file);
      const frame: CallFrame = { callFrameId: '', functionName: f.name, url: f.file, scopeChain: [], location: { scriptId: script?.scriptId ?? '', lineNumber: f.line - 1, columnNumber: f.column - 1 } };
      const at = frameLocation(frame, this.scripts);
      return frameOf({ id: 0, name: f.name, ...at, ...(script ? {} : { source: { name: f.file, path: f.file } }) });
    });
    const top = stack[0];
    const scopes = r.scopes.map((s) => ({ ...s, variables: s.variables.slice(0, SNAPSHOT_LIMITS.variablesPerScope).map(clipped) }));
    return {
      kind: SNAPSHOT_KIND, seq, threadId: 1, ...(top ? { path: top.path, line: top.line, ...(top.column ? { column: top.column } : {}) } : { line: 0 }), function: top?.name ?? '?',
      stack, totalFrames: stack.length, scopes, pauseMs: r.pauseMs, capture: 'node-condition', time: new Date().toISOString(),
    } as SnapshotBody;
  }

  /** The parsed script a stack frame's file name belongs to (CommonJS names a path, ESM a file: URL). */
  private scriptFor(file: string): ScriptInfo | undefined {
    if (!this.byFile.has(file)) {
      const path = file.startsWith('file://') ? fileURLToPath(file) : file;
      const found = this.scripts.all().find((s) => s.url === file || s.url === path || (s.url.startsWith('file://') && fileURLToPath(s.url) === path));
      if (!found) return undefined; // maybe not parsed yet: look again next time
      this.byFile.set(file, found);
    }
    return this.byFile.get(file);
  }
}

function clipped(v: SnapshotVariable): SnapshotVariable {
  return { ...v, value: clip(v.value), ...(v.children ? { children: v.children.map((c) => ({ ...c, value: clip(c.value) })) } : {}) };
}
