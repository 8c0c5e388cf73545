// The loader's shape (CONFIG_SHAPE, which the key list and its coverage check come from) and the
// KmirrorConfig type (which the launch schema and editor templates come from) name the same keys:
// a key added to one but not the other fails here. The type is read through the same
// ts-json-schema-generator the build uses for the schema.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';
import { describe, expect, it } from 'vitest';
import { configPaths } from './config-keys.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');

interface Schema { $ref?: string; anyOf?: Schema[]; properties?: Record<string, Schema>; type?: string | string[] }

/** Every property path of the type, groups included; arrays (all_of, any_of) are not entered. */
function typePaths(schema: Schema, defs: Record<string, Schema>, path: string, out: string[]): void {
  const resolve = (s: Schema): Schema => (s.$ref ? resolve(defs[s.$ref.replace('#/definitions/', '')] ?? {}) : s);
  const node = resolve(schema);
  for (const branch of node.anyOf ? node.anyOf.map(resolve) : [node]) {
    for (const [name, child] of Object.entries(branch.properties ?? {})) {
      const childPath = path ? `${path}.${name}` : name;
      if (!out.includes(childPath)) out.push(childPath);
      typePaths(child, defs, childPath, out);
    }
  }
}

describe('configuration keys: loader and type agree', () => {
  it('CONFIG_SHAPE accepts exactly the keys of KmirrorConfig', () => {
    const schema = createGenerator({
      path: join(REPO, 'adapter/runtime/config/types.ts'), type: 'KmirrorConfig', tsconfig: join(REPO, 'tsconfig.json'), skipTypeCheck: true,
    }).createSchema('KmirrorConfig') as Schema & { definitions?: Record<string, Schema> };
    const fromType: string[] = [];
    typePaths(schema, schema.definitions ?? {}, '', fromType);
    expect(fromType.length).toBeGreaterThan(40);
    expect([...fromType].sort()).toEqual([...configPaths()].sort());
  });
});
