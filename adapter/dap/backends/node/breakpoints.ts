// Breakpoints of the Node bridge. Plain JS files are set by URL (the inspector keeps them pending
// until the script is parsed, then reports breakpointResolved); breakpoints in original sources
// (TypeScript) are placed on the generated script once its source map is known, which the bridge
// guarantees by pausing before mapped scripts run (instrumentation breakpoint). Conditions go to
// the inspector; hit counts and logpoints are evaluated here when a breakpoint is hit.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { CdpClient } from './cdp-client.js';
import { parseHitCondition } from './hit-condition.js';
import type { ScriptRegistry } from './scripts.js';
import { fileUrl, generatedFor, originalFor, type ScriptInfo } from './source-maps.js';
import { extension } from '../program-kind.js';
import { IDENTITY_MAPPING, type PathMapping } from './path-mapping.js';

const GENERATED_EXTENSIONS = new Set(['.js', '.mjs', '.cjs']);

export interface BridgeBreakpoint {
  id: number;
  path: string;
  line: number;
  condition?: string;
  /** Snapshot mode: the condition that captures in place and never pauses (snapshot-in-place.ts). */
  capture?: string;
  hitCondition?: (hits: number) => boolean;
  logMessage?: string;
  /** inspector breakpoint id → script it was placed for ('' = by URL) */
  cdpIds: Map<string, string>;
  verified: boolean;
  resolvedLine?: number;
  hits: number;
}

export type HitDecision = { stop: boolean; logpoints: BridgeBreakpoint[] };

export class BreakpointManager {
  private nextId = 1;
  private readonly byPath = new Map<string, BridgeBreakpoint[]>();
  private readonly byCdpId = new Map<string, BridgeBreakpoint>();
  /** `${bp.id}:${scriptId}` already placed (or being placed): resolveFor may run concurrently. */
  private readonly placed = new Set<string>();

  constructor(private readonly cdp: CdpClient, private readonly scripts: ScriptRegistry, private readonly changed: (bp: DebugProtocol.Breakpoint) => void,
    private readonly mapping: PathMapping = IDENTITY_MAPPING) {}

  /** True while a breakpoint waits for a source map (the bridge then pauses before mapped scripts). */
  get hasPendingMapped(): boolean {
    return [...this.byPath.values()].flat().some((bp) => !bp.verified && !GENERATED_EXTENSIONS.has(extension(bp.path)));
  }

  async set(path: string, requested: DebugProtocol.SourceBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
    for (const old of this.byPath.get(path) ?? []) await this.remove(old);
    const list: BridgeBreakpoint[] = requested.map((b) => ({
      id: this.nextId++, path, line: b.line,
      ...(b.condition ? { condition: b.condition } : {}),
      ...(b.hitCondition ? { hitCondition: parseHitCondition(b.hitCondition) } : {}),
      ...(b.logMessage ? { logMessage: b.logMessage } : {}),
      cdpIds: new Map(), verified: false, hits: 0,
    }));
    this.byPath.set(path, list);
    for (const bp of list) await this.place(bp);
    return list.map((bp) => this.toDap(bp));
  }

  /** Places pending breakpoints whose original source is in this newly mapped script. */
  async resolveFor(script: ScriptInfo): Promise<void> {
    if (!script.map) return;
    for (const bp of [...this.byPath.values()].flat()) {
      if (script.map.sources.includes(bp.path) && !this.placed.has(`${bp.id}:${script.scriptId}`)) {
        const wasVerified = bp.verified;
        await this.placeInScript(bp, script);
        if (bp.verified && !wasVerified) this.changed(this.toDap(bp));
      }
    }
  }

  /** The inspector resolved a by-URL breakpoint in a script that was parsed later. */
  onResolved(cdpId: string, location: { scriptId: string; lineNumber: number; columnNumber?: number }): void {
    const bp = this.byCdpId.get(cdpId);
    if (!bp || bp.verified) return;
    bp.verified = true;
    bp.resolvedLine = this.originalLine(bp, location);
    this.changed(this.toDap(bp));
  }

  /** Counts the hit and decides whether to stop; logpoints are returned for the bridge to print. */
  onHit(cdpIds: string[]): HitDecision {
    const hit = this.hitBy(cdpIds);
    if (!hit.length) return { stop: true, logpoints: [] };
    let stop = false;
    const logpoints: BridgeBreakpoint[] = [];
    for (const bp of hit) {
      bp.hits++;
      if (bp.hitCondition && !bp.hitCondition(bp.hits)) continue;
      if (bp.logMessage) logpoints.push(bp);
      else stop = true;
    }
    return { stop, logpoints };
  }

  /** The bridge breakpoints behind an inspector pause's hitBreakpoints. */
  hitBy(cdpIds: string[]): BridgeBreakpoint[] {
    return [...new Set(cdpIds.map((id) => this.byCdpId.get(id)).filter((b): b is BridgeBreakpoint => !!b))];
  }

  /** Places the breakpoint again with a capturing condition (the user's condition, if any, still gates it). */
  async captureInPlace(bp: BridgeBreakpoint, capture: string): Promise<void> {
    bp.capture = capture;
    if (!this.byPath.get(bp.path)?.includes(bp)) return; // replaced meanwhile
    // The inspector keys a breakpoint by place, not condition, so the old one must go first: the
    // removal and the new placement are sent back to back (no round trip between them) so that
    // practically no hit falls in between.
    const old = [...bp.cdpIds.keys()];
    bp.cdpIds.clear();
    for (const cdpId of old) this.byCdpId.delete(cdpId);
    const removed = old.map((cdpId) => this.cdp.send('Debugger.removeBreakpoint', { breakpointId: cdpId }).catch(() => undefined /* script already gone */));
    for (const key of [...this.placed]) if (key.startsWith(`${bp.id}:`)) this.placed.delete(key);
    await Promise.all([...removed, this.place(bp)]);
  }

  private conditionOf(bp: BridgeBreakpoint): string {
    if (!bp.capture) return bp.condition ?? '';
    return bp.condition ? `(${bp.condition}) && ${bp.capture}` : bp.capture;
  }

  private async place(bp: BridgeBreakpoint): Promise<void> {
    const mapped = this.scripts.mappedScriptsFor(bp.path);
    if (mapped.length) {
      for (const script of mapped) await this.placeInScript(bp, script);
    } else if (GENERATED_EXTENSIONS.has(extension(bp.path))) {
      const r = await this.cdp.send<{ breakpointId: string; locations: Array<{ scriptId: string; lineNumber: number; columnNumber?: number }> }>(
        'Debugger.setBreakpointByUrl', { url: fileUrl(this.mapping.toRemote(bp.path)), lineNumber: bp.line - 1, condition: this.conditionOf(bp) });
      this.track(bp, r.breakpointId, '');
      const first = r.locations[0];
      if (first) {
        bp.verified = true;
        bp.resolvedLine = first.lineNumber + 1;
      }
    }
  }

  private async placeInScript(bp: BridgeBreakpoint, script: ScriptInfo): Promise<void> {
    if (!script.map) return;
    this.placed.add(`${bp.id}:${script.scriptId}`);
    for (const pos of generatedFor(script.map, bp.path, bp.line)) {
      const r = await this.cdp.send<{ breakpointId: string; locations: Array<{ scriptId: string; lineNumber: number; columnNumber?: number }> }>(
        'Debugger.setBreakpointByUrl', { url: script.url, lineNumber: pos.line - 1, columnNumber: pos.column, condition: this.conditionOf(bp) });
      this.track(bp, r.breakpointId, script.scriptId);
      const first = r.locations[0];
      if (first) {
        bp.verified = true;
        bp.resolvedLine = this.originalLine(bp, first);
      }
    }
  }

  private originalLine(bp: BridgeBreakpoint, location: { scriptId: string; lineNumber: number; columnNumber?: number }): number {
    const map = this.scripts.get(location.scriptId)?.map;
    const original = map ? originalFor(map, location.lineNumber + 1, location.columnNumber ?? 0) : undefined;
    if (original && original.path === bp.path) return original.line;
    return map ? bp.line : location.lineNumber + 1;
  }

  private track(bp: BridgeBreakpoint, cdpId: string, scriptId: string): void {
    bp.cdpIds.set(cdpId, scriptId);
    this.byCdpId.set(cdpId, bp);
  }

  /** Removes every breakpoint from the inspector (detach from a process that keeps running). */
  async removeAll(): Promise<void> {
    for (const list of this.byPath.values()) for (const bp of list) await this.remove(bp);
    this.byPath.clear();
  }

  private async remove(bp: BridgeBreakpoint): Promise<void> {
    for (const cdpId of bp.cdpIds.keys()) {
      this.byCdpId.delete(cdpId);
      await this.cdp.send('Debugger.removeBreakpoint', { breakpointId: cdpId }).catch(() => undefined /* script already gone */);
    }
    bp.cdpIds.clear();
  }

  private toDap(bp: BridgeBreakpoint): DebugProtocol.Breakpoint {
    return {
      id: bp.id, verified: bp.verified, line: bp.resolvedLine ?? bp.line, source: { path: bp.path },
      ...(bp.verified ? {} : { message: 'pending: the script is not loaded yet' }),
    };
  }
}
