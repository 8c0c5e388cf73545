// Every key path the config loader accepts, derived from CONFIG_SHAPE (the shape validate.ts checks
// a file against), so the list cannot drift from the loader. A path is listed when it takes a value
// of its own (a leaf, or a key that also accepts a boolean or string such as `feature.env: false`);
// objects that only group keys (`agent`, `feature`) are not. An array of objects (`all_of`, `any_of`,
// which repeat the http_filter keys) is one key.
import { CONFIG_SHAPE, type Shape } from './validate.js';

function walk(shape: Shape, path: string, out: string[], groups: boolean): void {
  if (shape.kind !== 'object') return;
  for (const [name, field] of Object.entries(shape.fields)) {
    const child = path ? `${path}.${name}` : name;
    const options = field.kind === 'oneOf' ? field.options : [field];
    if (groups || options.some((o) => o.kind !== 'object')) out.push(child);
    for (const o of options) walk(o, child, out, groups);
  }
}

/** The accepted key paths that take a value, in the order of CONFIG_SHAPE (e.g. `feature.env.include`). */
export function configKeyPaths(shape: Shape = CONFIG_SHAPE): string[] {
  const out: string[] = [];
  walk(shape, '', out, false);
  return out;
}

/** Every accepted path, the groups (`agent`, `feature.network.outgoing.filter`) included. */
export function configPaths(shape: Shape = CONFIG_SHAPE): string[] {
  const out: string[] = [];
  walk(shape, '', out, true);
  return out;
}
