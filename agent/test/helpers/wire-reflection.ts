// The tunnel protocol as data for boundary tests and fuzzing: every numeric field of every Frame
// body (found by protobufjs reflection over proto/kmirror/tunnel/v1/tunnel.proto, so a field
// added there is covered without touching the tests), and a raw encoder that writes any 64-bit
// value into any such field, also values the domain codec cannot express (2^64-1 in a uint32).
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { REPO } from './target-fixture.js';

export const TUNNEL_PROTO = join(REPO, 'proto/kmirror/tunnel/v1/tunnel.proto');

let root: protobuf.Root | undefined;
/** The reflected tunnel package (parsed once). */
export function tunnelRoot(): protobuf.Root {
  root ??= protobuf.loadSync(TUNNEL_PROTO);
  return root;
}
export const frameType = (): protobuf.Type => tunnelRoot().lookupType('kmirror.tunnel.v1.Frame');

/** The Frame body cases (camelCase oneof member names), in .proto order. */
export function bodyKinds(): string[] {
  // Safe: tunnel.proto declares `oneof body` on Frame.
  return frameType().oneofs['body']!.fieldsArray.map((f) => f.name);
}

const VARINT_TYPES = new Set(['int32', 'uint32', 'int64', 'uint64', 'sint32', 'sint64']);
const FIXED32 = new Set(['fixed32', 'sfixed32', 'float']);
const FIXED64 = new Set(['fixed64', 'sfixed64', 'double']);

export interface NumericField {
  /** Field names from the Frame down: ['fileOpen', 'createMode'], ['streamId']. */
  path: string[];
  /** Scalar type name, or 'enum'. */
  type: string;
  bits: 32 | 64;
}

/** Every numeric (integer, floating point, enum) field reachable from Frame, nested messages included. */
export function numericFields(): NumericField[] {
  const out: NumericField[] = [];
  const walk = (type: protobuf.Type, path: string[], seen: Set<protobuf.Type>): void => {
    for (const field of type.fieldsArray) {
      field.resolve();
      if (field instanceof protobuf.MapField) continue; // map<string, string> only
      const p = [...path, field.name];
      if (field.resolvedType instanceof protobuf.Enum) out.push({ path: p, type: 'enum', bits: 32 });
      else if (field.resolvedType instanceof protobuf.Type) {
        if (!seen.has(field.resolvedType)) walk(field.resolvedType, p, new Set([...seen, field.resolvedType]));
      } else if (VARINT_TYPES.has(field.type) || FIXED32.has(field.type) || FIXED64.has(field.type)) {
        out.push({ path: p, type: field.type, bits: /64|double/.test(field.type) ? 64 : 32 });
      }
    }
  };
  walk(frameType(), [], new Set([frameType()]));
  return out;
}

/** 0, 2^31-1, 2^31, 2^32-1, 2^63, and 2^64-1 for 64-bit fields. */
export function boundaryValues(field: NumericField): bigint[] {
  const values = [0n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 63n];
  return field.bits === 64 ? [...values, 2n ** 64n - 1n] : values;
}

function varint(v: bigint): Buffer {
  const out: number[] = [];
  let n = BigInt.asUintN(64, v);
  while (n > 0x7fn) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return Buffer.from(out);
}

const tag = (id: number, wireType: number): Buffer => varint(BigInt((id << 3) | wireType));

function scalar(field: protobuf.Field, value: bigint): Buffer {
  const t = field.resolvedType instanceof protobuf.Enum ? 'enum' : field.type;
  if (t === 'sint32' || t === 'sint64') return Buffer.concat([tag(field.id, 0), varint(BigInt.asUintN(64, value << 1n))]);
  if (FIXED32.has(t)) {
    const b = Buffer.alloc(4);
    if (t === 'float') b.writeFloatLE(Number(value));
    else b.writeUInt32LE(Number(BigInt.asUintN(32, value)));
    return Buffer.concat([tag(field.id, 5), b]);
  }
  if (FIXED64.has(t)) {
    const b = Buffer.alloc(8);
    if (t === 'double') b.writeDoubleLE(Number(value));
    else b.writeBigUInt64LE(BigInt.asUintN(64, value));
    return Buffer.concat([tag(field.id, 1), b]);
  }
  return Buffer.concat([tag(field.id, 0), varint(value)]);
}

/**
 * Encodes `base` (protobufjs object form) of `type` with the field at `path` set to `value` on
 * the wire as is. The value is appended after the base's own encoding (protobuf: last one wins;
 * a nested message is appended whole, with the base's copy of it left out).
 */
export function encodeWithValue(type: protobuf.Type, base: Record<string, unknown>, path: string[], value: bigint): Buffer {
  const [name, ...rest] = path;
  // Safe: paths come from numericFields() over the same types.
  const field = type.fields[name as string]!;
  field.resolve();
  const others = { ...base };
  delete others[name as string];
  // A member of a oneof must not be encoded twice: drop the other members of the group too.
  if (field.partOf) for (const member of field.partOf.oneof) delete others[member];
  const prefix = Buffer.from(type.encode(type.fromObject(others)).finish());
  if (rest.length === 0) return Buffer.concat([prefix, scalar(field, value)]);
  const nestedBase = (field.repeated ? (base[name as string] as unknown[] | undefined)?.[0] : base[name as string]) ?? {};
  const inner = encodeWithValue(field.resolvedType as protobuf.Type, nestedBase as Record<string, unknown>, rest, value);
  return Buffer.concat([prefix, tag(field.id, 2), varint(BigInt(inner.length)), inner]);
}

/** A Frame body (protobufjs object form, camelCase) encoded; with its varint length prefix. */
export function encodeFrameObject(frame: Record<string, unknown>): Buffer {
  const t = frameType();
  return withLengthPrefix(Buffer.from(t.encode(t.fromObject(frame)).finish()));
}

export function withLengthPrefix(body: Buffer): Buffer {
  return Buffer.concat([varint(BigInt(body.length)), body]);
}
