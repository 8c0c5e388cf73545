// A hint for an unknown config key that names a known setting in the wrong place, e.g.
// `feature.network.outgoing.remote` (as in mirrord's own tests/configs/outgoing_filter_remote.json)
// for `feature.network.outgoing.filter.remote`: the warning names the key the user meant, since
// ignoring it silently changes where traffic goes; also mirrord keys kmirror takes another way
// (`kubeconfig`: a flag) or under a newer name. Keys kmirror does not have get no hint.
import type { Shape } from './validate.js';

// Every accepted path; only objects are walked (an array of filters repeats http_filter's keys).
function paths(shape: Shape, prefix: string, out: string[]): void {
  for (const option of shape.kind === 'oneOf' ? shape.options : [shape]) {
    if (option.kind !== 'object') continue;
    for (const [name, field] of Object.entries(option.fields)) {
      const path = prefix ? `${prefix}.${name}` : name;
      out.push(path);
      paths(field, path, out);
    }
  }
}

const MAX_SUGGESTIONS = 3;

// mirrord keys kmirror takes another way, or under a newer name.
const ELSEWHERE: Record<string, string> = {
  kubeconfig: 'kmirror takes it as --kubeconfig FILE or $KUBECONFIG',
  'feature.network.incoming.http_header_filter': 'did you mean "feature.network.incoming.http_filter.header_filter" (its newer name)?',
  'feature.env.overrides': 'did you mean "feature.env.override"?',
};

/** Why an unknown key may be a known setting: the known paths under its parent that end in its last
 * name (a level missing), or a mirrord key kmirror takes another way; undefined for none.
 * The same name elsewhere (`feature.env.mapping` vs `feature.fs.mapping`) is another setting: no hint. */
export function keyHint(unknownKey: string, shape: Shape): string | undefined {
  const elsewhere = ELSEWHERE[unknownKey];
  if (elsewhere !== undefined) return elsewhere;
  const dot = unknownKey.lastIndexOf('.');
  const last = unknownKey.slice(dot + 1);
  const parent = unknownKey.slice(0, Math.max(dot, 0));
  const all: string[] = [];
  paths(shape, '', all);
  const picked = all.filter((p) => parent !== '' && p.startsWith(`${parent}.`) && p.endsWith(`.${last}`));
  return picked.length > 0 && picked.length <= MAX_SUGGESTIONS ? `did you mean ${picked.map((m) => `"${m}"`).join(' or ')}?` : undefined;
}
