// The scripts the inspector has parsed, by id and by path, with their source maps. Waiters let the
// breakpoint manager resolve breakpoints on original sources when a mapped script appears.
import { loadSourceMap, scriptPath, type ScriptInfo } from './source-maps.js';
import type { BackendLogger } from '../contract.js';
import { IDENTITY_MAPPING, type PathMapping } from './path-mapping.js';

export interface ScriptParsed {
  scriptId: string;
  url: string;
  sourceMapURL?: string;
}

export class ScriptRegistry {
  private readonly byId = new Map<string, ScriptInfo>();
  private readonly pendingMaps = new Map<string, Promise<void>>();
  private readonly sourceRefs = new Map<number, string>();
  private readonly refByScript = new Map<string, number>();
  private listeners: Array<(script: ScriptInfo) => void> = [];

  constructor(private readonly log: BackendLogger, private readonly mapping: PathMapping = IDENTITY_MAPPING) {}

  /** Records a parsed script; its source map loads in the background (awaitMap waits for it). */
  add(event: ScriptParsed): void {
    const remotePath = scriptPath(event.url);
    const info: ScriptInfo = { scriptId: event.scriptId, url: event.url, path: remotePath === undefined ? undefined : this.mapping.toLocal(remotePath) };
    this.byId.set(event.scriptId, info);
    if (event.sourceMapURL) {
      const loading = loadSourceMap(info, event.sourceMapURL).then(
        (map) => { info.map = map; },
        (e: unknown) => this.log.log('warn', 'backend', `source map of ${event.url}: ${(e as Error).message}`),
      ).then(() => this.notify(info));
      this.pendingMaps.set(event.scriptId, loading);
    } else {
      this.notify(info);
    }
  }

  /** Resolves once every source map seen so far has loaded; returns the mapped scripts. */
  async settled(): Promise<ScriptInfo[]> {
    await Promise.all(this.pendingMaps.values());
    return [...this.byId.values()].filter((s) => s.map);
  }

  get(scriptId: string): ScriptInfo | undefined {
    return this.byId.get(scriptId);
  }

  /** Every script parsed so far. */
  all(): ScriptInfo[] {
    return [...this.byId.values()];
  }

  /** Resolves once the script's source map (if any) has loaded. */
  async awaitMap(scriptId: string): Promise<ScriptInfo | undefined> {
    await this.pendingMaps.get(scriptId);
    return this.byId.get(scriptId);
  }

  /** Every loaded script whose source map has `path` among its original sources. */
  mappedScriptsFor(path: string): ScriptInfo[] {
    return [...this.byId.values()].filter((s) => s.map?.sources.includes(path));
  }

  onScript(listener: (script: ScriptInfo) => void): void {
    this.listeners.push(listener);
  }

  /** A stable DAP sourceReference for a script without a file (node:internal, eval). */
  sourceReference(scriptId: string): number {
    let ref = this.refByScript.get(scriptId);
    if (ref === undefined) {
      ref = this.sourceRefs.size + 1;
      this.sourceRefs.set(ref, scriptId);
      this.refByScript.set(scriptId, ref);
    }
    return ref;
  }

  scriptForReference(ref: number): string | undefined {
    return this.sourceRefs.get(ref);
  }

  private notify(info: ScriptInfo): void {
    for (const l of this.listeners) l(info);
  }
}
