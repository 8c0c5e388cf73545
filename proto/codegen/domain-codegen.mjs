// Generates a protocol's domain form from its .proto, over protobufjs reflection: one TypeScript
// module of types (a `Msg` union keyed by the envelope's oneof case, an interface per message, a
// string union per enum) and one codec module converting them to and from the protobufjs static
// code (`pbjs -t static-module`). The output depends only on the .proto and the conventions, so
// two runs give the same bytes.
//
// Domain form, the same for every message unless the conventions say otherwise:
//   * field names as protobufjs spells them (camelCase); every field present, absent ones as their
//     proto3 default — sub-messages included, so a reader never checks for null;
//   * enums as lower-case names without the enum's prefix (TRAFFIC_MODE_UNSPECIFIED -> unspecified);
//     a zero value named *_UNSPECIFIED is left out of the union and decodes to the first other value;
//   * bytes as Buffer, 64-bit integers as number (the static code is built with --force-number),
//     maps as Record<string, T>;
//   * conventions.optional: fields whose absence means something; optional in the type, omitted on
//     decode when absent or (scalars, lists) equal to the default;
//   * conventions.enums[Name]: { form: 'name' } keeps the proto value names, { rename } replaces single
//     values' domain names.

/** Names a generated interface may not take: they would shadow a global in the generated modules. */
const RESERVED_TYPE_NAMES = new Set(['Array', 'Boolean', 'Buffer', 'Date', 'Error', 'Function', 'Map', 'Number', 'Object', 'Promise', 'RegExp', 'Set', 'String', 'Symbol']);
const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const NUMBER_TYPES = new Set(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', ...LONG_TYPES]);

const screaming = (name) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
const lowerFirst = (s) => s.charAt(0).toLowerCase() + s.slice(1);
const quote = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const doc = (comment, indent) => (comment ? `${indent}/** ${comment.replace(/\*\//g, '* /').replace(/\s*\n\s*/g, ' ')} */\n` : '');

/**
 * @param {import('protobufjs').Root} root  parsed and resolved
 * @param {{ package: string, envelope: string, oneof: string, staticModule: string, source: string,
 *           messagesModule?: string, conventions?: { optional?: Record<string, string[] | '*'>,
 *           enums?: Record<string, { form?: 'lower' | 'name', rename?: Record<string, string> }> } }} opts
 * @returns {{ messages: string, codec: string }}
 */
export function generateDomainCode(root, opts) {
  const pkg = root.lookup(opts.package);
  if (!pkg || !pkg.nestedArray) throw new Error(`package ${opts.package} not found`);
  const conventions = opts.conventions ?? {};
  const types = pkg.nestedArray.filter((n) => n.fieldsArray !== undefined);
  const enums = pkg.nestedArray.filter((n) => n.values !== undefined && n.fieldsArray === undefined);
  const envelope = types.find((t) => t.name === opts.envelope);
  if (!envelope) throw new Error(`envelope message ${opts.envelope} not found`);
  const oneof = envelope.oneofs?.[opts.oneof];
  if (!oneof) throw new Error(`oneof ${opts.envelope}.${opts.oneof} not found`);
  const cases = oneof.fieldsArray;
  const caseNames = new Set(cases.map((f) => f.name));
  const messages = types.filter((t) => t !== envelope);
  const typeName = (t) => (RESERVED_TYPE_NAMES.has(t.name) ? `${t.name}Message` : t.name);
  const wireType = (t) => `${opts.package}.${t.name}.$Properties`;

  // Enums: domain value per proto value, in declaration order.
  const enumInfo = new Map(enums.map((e) => {
    const conv = conventions.enums?.[e.name] ?? {};
    const prefix = `${screaming(e.name)}_`;
    const entries = [];
    for (const [name, number] of Object.entries(e.values)) {
      const stripped = name.startsWith(prefix) ? name.slice(prefix.length) : name;
      if (conv.form !== 'name' && number === 0 && stripped === 'UNSPECIFIED' && !conv.rename?.[name]) continue;
      entries.push({ name, number, domain: conv.form === 'name' ? name : (conv.rename?.[name] ?? stripped.toLowerCase()), comment: e.comments?.[name] });
    }
    if (entries.length === 0) throw new Error(`enum ${e.name} has no domain values`);
    const fallback = entries.find((v) => v.number === 0) ?? entries[0];
    return [e, { type: e.name, constName: `${screaming(e.name)}_VALUES`, fnName: lowerFirst(e.name), entries, fallback }];
  }));

  const isOptional = (t, f) => {
    const o = conventions.optional?.[t.name];
    return o === '*' || (Array.isArray(o) && o.includes(f.name));
  };

  // ---- types module ----
  const domainType = (f) => {
    let base;
    if (f.resolvedType && enumInfo.has(f.resolvedType)) base = enumInfo.get(f.resolvedType).type;
    else if (f.resolvedType) base = typeName(f.resolvedType);
    else if (f.type === 'bytes') base = 'Buffer';
    else if (f.type === 'string') base = 'string';
    else if (f.type === 'bool') base = 'boolean';
    else if (NUMBER_TYPES.has(f.type)) base = 'number';
    else throw new Error(`unsupported field type ${f.type} of ${f.parent.name}.${f.name}`);
    if (f.map) return `Record<string, ${base}>`;
    return f.repeated ? `${base}[]` : base;
  };
  const fieldLines = (t, indent) => t.fieldsArray.filter((f) => !f.partOf || f.partOf.name !== opts.oneof || t !== envelope)
    .map((f) => `${doc(f.comment, indent)}${indent}${f.name}${isOptional(t, f) ? '?' : ''}: ${domainType(f)};`).join('\n');

  const banner = (what) => `// ${what} Generated from ${opts.source} by proto/codegen — do not edit.\n/* eslint-disable */\n`;
  let m = banner('Domain types of the protocol: what business code sends and receives.');
  for (const info of enumInfo.values()) {
    const e = [...enumInfo.keys()].find((k) => enumInfo.get(k) === info);
    m += `\n${doc(e.comment, '')}export type ${info.type} = ${info.entries.map((v) => quote(v.domain)).join(' | ')};\n`;
    m += `export const ${info.constName} = [${info.entries.map((v) => quote(v.domain)).join(', ')}] as const satisfies readonly ${info.type}[];\n`;
    m += `/** Wire number of each ${info.type} (numbers may have gaps: ranges are allocated per feature). */\nexport const ${info.constName.replace(/_VALUES$/, '_NUMBERS')}: Readonly<Record<${info.type}, number>> = { ${info.entries.map((v) => `${quote(v.domain)}: ${v.number}`).join(', ')} };\n`;
  }
  for (const t of messages) {
    const body = fieldLines(t, '  ');
    m += `\n${doc(t.comment, '')}export interface ${typeName(t)} {${body ? `\n${body}\n` : ''}}\n`;
  }
  const envFields = envelope.fieldsArray.filter((f) => !caseNames.has(f.name));
  m += `\n/** One message of ${opts.envelope}.${opts.oneof}, keyed by its case name. */\nexport type Msg =\n`;
  m += cases.map((f) => `  | ({ kind: ${quote(f.name)} } & ${typeName(f.resolvedType)})`).join('\n') + ';\n';
  m += `\nexport type MsgKind = Msg['kind'];\nexport type MsgOf<K extends MsgKind> = Extract<Msg, { kind: K }>;\n`;
  m += `\n/** Every case of ${opts.envelope}.${opts.oneof}, in declaration order. */\nexport const MSG_KINDS = [${cases.map((f) => quote(f.name)).join(', ')}] as const satisfies readonly MsgKind[];\n`;
  m += `\n${doc(envelope.comment, '')}/** One decoded ${opts.envelope}. \`msg\` is undefined when the body is a case this side does not know. */\nexport interface ${opts.envelope} {\n`;
  m += envFields.map((f) => `${doc(f.comment, '  ')}  ${f.name}: ${domainType(f)};`).join('\n') + `\n  msg?: Msg;\n}\n`;

  // ---- codec module ----
  const toWireExpr = (f, v) => {
    const rt = f.resolvedType;
    const one = (x) => (rt && enumInfo.has(rt) ? `${enumInfo.get(rt).fnName}ToWire(${x})` : rt ? `${lowerFirst(rt.name)}ToWire(${x})` : x);
    if (f.map) return rt && !enumInfo.has(rt) ? `Object.fromEntries(Object.entries(${v}).map(([k, x]) => [k, ${one('x')}]))` : `{ ...${v} }`;
    if (f.repeated) return rt ? `${v}.map((x) => ${one('x')})` : v;
    return one(v);
  };
  const fromWireExpr = (f, v) => {
    const rt = f.resolvedType;
    const one = (x) => (rt && enumInfo.has(rt) ? `${enumInfo.get(rt).fnName}FromWire(${x})` : rt ? `${lowerFirst(rt.name)}FromWire(${x})`
      : f.type === 'bytes' ? `buf(${x})` : LONG_TYPES.has(f.type) ? `num(${x})` : x);
    if (f.map) return rt ? `Object.fromEntries(Object.entries(${v} ?? {}).map(([k, x]) => [k, ${one('x')}]))` : `{ ...(${v} ?? {}) }`;
    if (f.repeated) return rt || f.type === 'bytes' || LONG_TYPES.has(f.type) ? `(${v} ?? []).map((x) => ${one('x')})` : `${v} ?? []`;
    if (rt || f.type === 'bytes' || LONG_TYPES.has(f.type)) return one(v);
    return `${v} ?? ${f.type === 'string' ? "''" : f.type === 'bool' ? 'false' : '0'}`;
  };

  /** The object-literal properties decoding message type `t` from the variable `w`. */
  const fromWireProps = (t, w) => {
    const fields = t.fieldsArray;
    const required = fields.filter((f) => !isOptional(t, f)).map((f) => `${f.name}: ${fromWireExpr(f, `${w}?.${f.name}`)}`);
    const optional = fields.filter((f) => isOptional(t, f)).map((f) => {
      const v = `${w}?.${f.name}`;
      const present = f.resolvedType && !enumInfo.has(f.resolvedType) && !f.repeated && !f.map ? `${v} != null`
        : f.repeated ? `${v}?.length` : f.map ? `${v} && Object.keys(${v}).length` : v;
      return `...(${present} ? { ${f.name}: ${fromWireExpr(f, v)} } : {})`;
    });
    return [...required, ...optional];
  };

  let c = banner('Codec of the protocol: domain types <-> protobufjs static code.');
  c += `import { ${opts.package.split('.')[0]} } from '${opts.staticModule}';\n`;
  const imported = [opts.envelope, ...[...enumInfo.values()].map((i) => i.type), ...messages.map(typeName)];
  c += `import type { ${[...new Set(imported)].join(', ')} } from '${opts.messagesModule ?? './messages.js'}';\n`;
  c += `\nconst buf = (b: Uint8Array | null | undefined): Buffer => (b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : Buffer.alloc(0));\n`;
  c += `const num = (n: number | { toNumber(): number } | null | undefined): number => (n == null ? 0 : typeof n === 'number' ? n : n.toNumber());\n`;
  for (const info of enumInfo.values()) {
    c += `\nconst ${info.fnName}Numbers: Record<${info.type}, number> = { ${info.entries.map((v) => `${quote(v.domain)}: ${v.number}`).join(', ')} };\n`;
    c += `const ${info.fnName}Names: Record<number, ${info.type}> = { ${info.entries.map((v) => `${v.number}: ${quote(v.domain)}`).join(', ')} };\n`;
    c += `const ${info.fnName}ToWire = (v: ${info.type}): number => ${info.fnName}Numbers[v];\n`;
    c += `const ${info.fnName}FromWire = (n: number | null | undefined): ${info.type} => ${info.fnName}Names[n ?? 0] ?? ${quote(info.fallback.domain)};\n`;
  }
  for (const t of messages) {
    const name = lowerFirst(t.name);
    const fields = t.fieldsArray;
    const to = fields.map((f) => {
      const v = `m.${f.name}`;
      if (!isOptional(t, f)) return `    ${f.name}: ${toWireExpr(f, v)},`;
      return `    ${f.name}: ${v} === undefined ? null : ${toWireExpr(f, v)},`;
    }).join('\n');
    c += `\nfunction ${name}ToWire(m: ${typeName(t)}): ${wireType(t)} {\n  return {${to ? `\n${to}\n  ` : ''}};\n}\n`;
    const body = fromWireProps(t, 'w').map((line) => `    ${line},`).join('\n');
    const param = fields.length ? 'w' : '_w';
    c += `function ${name}FromWire(${param}: ${wireType(t)} | null | undefined): ${typeName(t)} {\n  return {${body ? `\n${body}\n  ` : ''}};\n}\n`;
  }
  const envWire = `${opts.package}.${opts.envelope}`;
  c += `\n/** Domain ${opts.envelope} -> the static code's ${opts.envelope} properties. */\nexport function toWire(frame: ${opts.envelope}): ${envWire}.$Properties {\n`;
  c += `  const out: ${envWire}.$Properties = { ${envFields.map((f) => `${f.name}: ${toWireExpr(f, `frame.${f.name}`)}`).join(', ')} };\n`;
  c += `  const m = frame.msg;\n  if (!m) return out;\n  switch (m.kind) {\n`;
  c += cases.map((f) => `    case ${quote(f.name)}: out.${f.name} = ${lowerFirst(f.resolvedType.name)}ToWire(m); break;`).join('\n');
  c += `\n  }\n  return out;\n}\n`;
  c += `\n/** Decoded ${opts.envelope} -> domain ${opts.envelope} (msg undefined for a case this side does not know). */\nexport function fromWire(f: ${envWire}): ${opts.envelope} {\n`;
  const envProps = envFields.map((f) => `${f.name}: ${fromWireExpr(f, `f.${f.name}`)}`).join(', ');
  c += `  switch (f.${opts.oneof}) {\n`;
  // Each case builds its message in one object literal: this runs for every frame received.
  c += cases.map((f) => {
    const props = fromWireProps(f.resolvedType, 'w').join(', ');
    return `    case ${quote(f.name)}: {${props ? ` const w = f.${f.name};` : ''} return { ${envProps}, msg: { kind: ${quote(f.name)}${props ? `, ${props}` : ''} } }; }`;
  }).join('\n');
  c += `\n    default: return { ${envProps} };\n  }\n}\n`;
  return { messages: m, codec: c };
}
