// Turns the generated launch-configuration JSON Schema (build/schema/, written by the DAP build
// step from the KmirrorLaunchConfig type) into the copies editors need:
//  - VS Code `configurationAttributes` in package.json: plain object schemas per request, `$ref`s
//    inlined (launch.json has no `definitions`), the fields VS Code owns (type, request, name) left to it;
//  - Zed's debug adapter schema (debug_adapter_schemas/kmirror.json): one object schema with `request`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const VSCODE_OWNED = new Set(['type', 'request', 'name']);
const LAUNCH_ONLY = new Set(['program', 'args', 'cwd', 'env', 'stopOnEntry', 'console']);
const ATTACH_ONLY = new Set(['processId', 'host', 'port']);

/** Finds the launch schema: $KMIRROR_LAUNCH_SCHEMA or the build/schema/ file describing program + target. */
export function findLaunchSchema(root) {
  if (process.env.KMIRROR_LAUNCH_SCHEMA) return process.env.KMIRROR_LAUNCH_SCHEMA;
  const dir = join(root, 'build', 'schema');
  if (!existsSync(dir)) return undefined;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const path = join(dir, name);
    const props = launchDefinition(JSON.parse(readFileSync(path, 'utf8')))?.properties;
    if (props?.program && props?.target) return path;
  }
  return undefined;
}

/** The object schema of the launch configuration inside a generated schema (root or via $ref). */
export function launchDefinition(schema) {
  if (schema?.properties) return schema;
  const ref = typeof schema?.$ref === 'string' ? schema.$ref : undefined;
  return ref ? resolveRef(schema, ref) : undefined;
}

/** VS Code `configurationAttributes` ({ launch, attach }) derived from the generated schema. */
export function configurationAttributes(schema) {
  const def = launchDefinition(schema);
  if (!def) throw new Error('the launch schema has no object definition with properties');
  const properties = {};
  for (const [key, value] of Object.entries(def.properties)) {
    if (!VSCODE_OWNED.has(key)) properties[key] = inline(schema, value, new Set());
  }
  const pick = (skip) => Object.fromEntries(Object.entries(properties).filter(([k]) => !skip.has(k)));
  // `program` is required for launch (kmirror-dap validateLaunchConfig); attach needs processId or port.
  return {
    launch: { type: 'object', required: ['program'], properties: pick(ATTACH_ONLY) },
    attach: { type: 'object', properties: pick(LAUNCH_ONLY) },
  };
}

/** Zed's schema for a `kmirror` debug scenario's configuration (launch and attach fields together). */
export function zedAdapterSchema(schema) {
  const { launch, attach } = configurationAttributes(schema);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'kmirror debug scenario',
    type: 'object',
    required: ['request'],
    properties: {
      request: { type: 'string', enum: ['launch', 'attach'], description: '"launch" starts the program; "attach" attaches to a running one.' },
      ...launch.properties,
      ...attach.properties,
    },
  };
}

function inline(root, node, seen) {
  if (Array.isArray(node)) return node.map((n) => inline(root, n, seen));
  if (!node || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') {
    const { $ref, ...rest } = node;
    if (seen.has($ref)) {
      // A recursive type (e.g. nested any/all HTTP filters): inlining stops at one level; the
      // inner occurrence keeps its type and description but is not validated further by the editor.
      const target = resolveRef(root, $ref);
      return { type: target.type ?? 'object', description: target.description, ...inline(root, rest, seen) };
    }
    const target = inline(root, resolveRef(root, $ref), new Set([...seen, $ref]));
    return { ...target, ...inline(root, rest, seen) };
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(root, v, seen)]));
}

function resolveRef(root, ref) {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, got ${ref}`);
  let node = root;
  for (const part of ref.slice(2).split('/')) node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
  return node;
}
