// A hint for an unknown config key that names a known setting in the wrong place, e.g.
// `feature.network.outgoing.remote` (as in mirrord's own tests/configs/outgoing_filter_remote.json)
// for `feature.network.outgoing.filter.remote`: the warning names the key the user meant, since
// ignoring it silently changes where traffic goes. Keys kmirror does not have get no hint.
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

/** The known paths under the unknown key's parent that end in its last name (a level missing), or undefined.
 * The same name elsewhere (`feature.env.mapping` vs `feature.fs.mapping`) is another setting: no hint. */
export function keyHint(unknownKey: string, shape: Shape): string[] | undefined {
  const dot = unknownKey.lastIndexOf('.');
  const last = unknownKey.slice(dot + 1);
  const parent = unknownKey.slice(0, Math.max(dot, 0));
  const all: string[] = [];
  paths(shape, '', all);
  const sameName = all.filter((p) => p === last || p.endsWith(`.${last}`));
  const picked = sameName.filter((p) => parent !== '' && p.startsWith(`${parent}.`));
  return picked.length > 0 && picked.length <= MAX_SUGGESTIONS ? picked : undefined;
}
