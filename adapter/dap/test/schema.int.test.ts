// The launch-configuration JSON Schema is generated from the TypeScript type (scripts/build.d/
// 50-dap-schema.sh): every key has a description, the built copy matches a fresh generation, and
// the committed VS Code copy (ide-clients/vscode/package.json) lists exactly the schema's fields.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const built = `${root}build/schema/kmirror-launch.schema.json`;

interface SchemaNode { description?: string; properties?: Record<string, SchemaNode>; definitions?: Record<string, SchemaNode> }

function generate(): SchemaNode {
  return JSON.parse(JSON.stringify(createGenerator({
    path: `${root}adapter/dap/server/launch-config.ts`, type: 'KmirrorLaunchConfig', tsconfig: `${root}tsconfig.json`,
    skipTypeCheck: true, additionalProperties: true,
  }).createSchema('KmirrorLaunchConfig'))) as SchemaNode;
}

describe('launch configuration schema', () => {
  const schema = generate();
  const launch = schema.definitions?.KmirrorLaunchConfig;

  it('describes every key of the launch configuration and of the kmirror settings', () => {
    expect(Object.keys(launch?.properties ?? {})).toEqual(expect.arrayContaining(['target', 'debugger', 'program', 'args', 'cwd', 'env', 'stopOnEntry', 'kmirror', 'configFile']));
    const undocumented: string[] = [];
    for (const [defName, def] of Object.entries(schema.definitions ?? {})) {
      for (const [key, prop] of Object.entries(def.properties ?? {})) if (!prop.description) undocumented.push(`${defName}.${key}`);
    }
    expect(undocumented).toEqual([]);
  });

  it('is built and up to date in build/schema/', () => {
    expect(existsSync(built), `${built} missing: run bash scripts/build.sh`).toBe(true);
    expect(JSON.parse(readFileSync(built, 'utf8'))).toEqual(schema);
  });

  it('matches the committed VS Code copy', () => {
    const manifest = JSON.parse(readFileSync(`${root}ide-clients/vscode/package.json`, 'utf8')) as {
      contributes: { debuggers: Array<{ configurationAttributes: Record<'launch' | 'attach', SchemaNode> }> };
    };
    const attrs = manifest.contributes.debuggers[0]!.configurationAttributes;
    const vscodeKeys = new Set([...Object.keys(attrs.launch.properties ?? {}), ...Object.keys(attrs.attach.properties ?? {})]);
    const schemaKeys = Object.keys(launch?.properties ?? {}).filter((k) => !['type', 'request', 'name'].includes(k));
    expect([...vscodeKeys].sort(), 'stale copy: run node ide-clients/scripts/sync-schema.mjs').toEqual(schemaKeys.sort());
  });
});
