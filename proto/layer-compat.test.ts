// Layer channel compatibility (rules at the top of layer.proto): the current descriptor, generated
// by the build (proto/gen/layer.json), may only ADD to the committed snapshot
// (proto/snapshot/layer.json). After an additive change, refresh the snapshot with
// `cp proto/gen/layer.json proto/snapshot/layer.json`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Node {
  fields?: Record<string, { id: number; type: string; rule?: string; keyType?: string }>;
  values?: Record<string, number>;
  oneofs?: Record<string, { oneof: string[] }>;
  nested?: Record<string, Node>;
}

function flatten(node: Node, prefix = '', out = new Map<string, Node>()): Map<string, Node> {
  for (const [name, child] of Object.entries(node.nested ?? {})) {
    const full = prefix ? `${prefix}.${name}` : name;
    out.set(full, child);
    flatten(child, full, out);
  }
  return out;
}

const load = (p: string): Map<string, Node> => flatten(JSON.parse(readFileSync(new URL(p, import.meta.url), 'utf8')) as Node);

describe('layer.proto compatibility', () => {
  const snapshot = load('./snapshot/layer.json');
  const current = load('./gen/layer.json');

  it('keeps every message, field number, type, enum value and oneof case of the snapshot', () => {
    const problems: string[] = [];
    for (const [name, old] of snapshot) {
      const now = current.get(name);
      if (!now) { problems.push(`${name} was removed`); continue; }
      for (const [field, f] of Object.entries(old.fields ?? {})) {
        const g = now.fields?.[field];
        if (!g) problems.push(`${name}.${field} was removed (mark it reserved instead)`);
        else if (g.id !== f.id || g.type !== f.type || g.rule !== f.rule || g.keyType !== f.keyType) problems.push(`${name}.${field} changed from ${JSON.stringify(f)} to ${JSON.stringify(g)}`);
      }
      for (const [value, n] of Object.entries(old.values ?? {})) {
        if (now.values?.[value] !== n) problems.push(`${name}.${value} changed from ${n} to ${now.values?.[value]}`);
      }
      for (const [oneof, o] of Object.entries(old.oneofs ?? {})) {
        for (const member of o.oneof) if (!now.oneofs?.[oneof]?.oneof.includes(member)) problems.push(`${name}.${oneof} lost case ${member}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('never gives two fields of a message the same number', () => {
    for (const [name, node] of current) {
      const ids = Object.values(node.fields ?? {}).map((f) => f.id);
      expect(new Set(ids).size, name).toBe(ids.length);
    }
  });
});
