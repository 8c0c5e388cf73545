// mirrord's feature.fs.mapping: { "regex": "replacement" } renames an absolute path before it
// reaches the target (the first matching regex wins; $1… and $<name> refer to its groups). The
// layer keeps using the program's own path; only the proxy's requests to the agent carry the
// mapped one. The mapping regexes are also remote path rules (path-rules.ts).
export type PathMapper = (path: string) => string;

export function pathMapper(mapping: Array<[string, string]>): PathMapper {
  const compiled = mapping.flatMap(([from, to]) => {
    try {
      return [[new RegExp(from), to] as const];
    } catch {
      return [];   // reported when the config was loaded
    }
  });
  if (!compiled.length) return (p) => p;
  return (path) => {
    if (!path.startsWith('/')) return path;   // as mirrord: relative paths are not mapped
    for (const [re, to] of compiled) if (re.test(path)) return path.replace(re, to);
    return path;
  };
}
