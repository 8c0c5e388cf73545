// Source maps of parsed scripts (compiled TypeScript etc.), through the `source-map` package:
// original (path, line) → generated locations for breakpoints, generated → original for stack
// frames. Maps come from `sourceMappingURL` (a data: URL or a file beside the script).
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SourceMapConsumer, type RawSourceMap } from 'source-map';

export interface ScriptInfo {
  scriptId: string;
  url: string;
  /** Filesystem path of the script when its URL is a file (CommonJS scripts may have a bare path). */
  path?: string;
  map?: LoadedMap;
}

export interface LoadedMap {
  consumer: SourceMapConsumer;
  /** Absolute paths of the original sources, in the map's order. */
  sources: string[];
  /** map source string → absolute path */
  byRawSource: Map<string, string>;
}

/** The filesystem path of a script URL, or undefined for node:internal and eval'd code. */
export function scriptPath(url: string): string | undefined {
  if (url.startsWith('file://')) return fileURLToPath(url);
  if (isAbsolute(url)) return url;
  return undefined;
}

export async function loadSourceMap(script: { url: string; path?: string }, sourceMapURL: string): Promise<LoadedMap | undefined> {
  let raw: string;
  let mapDir: string;
  if (sourceMapURL.startsWith('data:')) {
    const comma = sourceMapURL.indexOf(',');
    const meta = sourceMapURL.slice(5, comma);
    const payload = sourceMapURL.slice(comma + 1);
    raw = meta.endsWith(';base64') ? Buffer.from(payload, 'base64').toString('utf8') : decodeURIComponent(payload);
    mapDir = script.path ? dirname(script.path) : process.cwd();
  } else {
    if (!script.path) return undefined;
    const mapPath = sourceMapURL.startsWith('file://') ? fileURLToPath(sourceMapURL) : resolve(dirname(script.path), sourceMapURL);
    raw = await readFile(mapPath, 'utf8');
    mapDir = dirname(mapPath);
  }
  const json = JSON.parse(raw) as RawSourceMap;
  const consumer = await new SourceMapConsumer(json);
  const root = json.sourceRoot ?? '';
  const byRawSource = new Map<string, string>();
  const sources: string[] = [];
  consumer.sources.forEach((source, i) => {
    const rawSource = json.sources[i] ?? source;
    const joined = rawSource.startsWith('file://') ? fileURLToPath(rawSource) : resolve(mapDir, root, rawSource);
    byRawSource.set(source, joined);
    sources.push(joined);
  });
  return { consumer, sources, byRawSource };
}

function rawSourceFor(map: LoadedMap, path: string): string | undefined {
  for (const [raw, abs] of map.byRawSource) if (abs === path) return raw;
  return undefined;
}

/** Generated positions (1-based line, 0-based column) for an original line, or [] when unmapped. */
export function generatedFor(map: LoadedMap, path: string, line: number): Array<{ line: number; column: number }> {
  const source = rawSourceFor(map, path);
  if (!source) return [];
  // Breakpoints may sit on a line without mappings (comments): take the next mapped line, up to a few.
  for (let l = line; l < line + 5; l++) {
    const all = map.consumer.allGeneratedPositionsFor({ source, line: l, column: 0 });
    const found = all.filter((p) => p.line !== null).map((p) => ({ line: p.line as number, column: p.column ?? 0 }));
    if (found.length) return [found.reduce((a, b) => (b.line < a.line || (b.line === a.line && b.column < a.column) ? b : a))];
    const one = map.consumer.generatedPositionFor({ source, line: l, column: 0, bias: SourceMapConsumer.LEAST_UPPER_BOUND });
    if (one.line !== null) return [{ line: one.line, column: one.column ?? 0 }];
  }
  return [];
}

/** Original position of a generated one (1-based line, 0-based column), if mapped. */
export function originalFor(map: LoadedMap, line: number, column: number): { path: string; line: number; column: number } | undefined {
  const pos = map.consumer.originalPositionFor({ line, column, bias: SourceMapConsumer.GREATEST_LOWER_BOUND });
  const fallback = pos.source === null ? map.consumer.originalPositionFor({ line, column, bias: SourceMapConsumer.LEAST_UPPER_BOUND }) : pos;
  if (fallback.source === null || fallback.line === null) return undefined;
  return { path: map.byRawSource.get(fallback.source) ?? fallback.source, line: fallback.line, column: fallback.column ?? 0 };
}

export function fileUrl(path: string): string {
  return pathToFileURL(path).href;
}
