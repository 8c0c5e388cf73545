// Formatting of CDP RemoteObjects as DAP values, and their conversion to call arguments.
export interface RemoteObject {
  type: string;
  subtype?: string;
  className?: string;
  value?: unknown;
  unserializableValue?: string;
  description?: string;
  objectId?: string;
}

export function formatValue(o: RemoteObject | undefined): string {
  if (!o) return 'undefined';
  if (o.type === 'undefined') return 'undefined';
  if (o.type === 'string') return JSON.stringify(o.value);
  if (o.unserializableValue !== undefined) return o.unserializableValue;
  if (o.subtype === 'null') return 'null';
  if (o.type === 'object' || o.type === 'function' || o.type === 'symbol') return o.description ?? o.className ?? o.type;
  if ('value' in o) return String(o.value);
  return o.description ?? o.type;
}

export function typeName(o: RemoteObject): string {
  return o.className ?? o.subtype ?? o.type;
}

/** Number of indexed elements of an array-like (from its description, e.g. "Array(250)"). */
export function indexedCount(o: RemoteObject): number | undefined {
  if (o.subtype !== 'array' && o.subtype !== 'typedarray') return undefined;
  const m = /\((\d+)\)$/.exec(o.description ?? '');
  return m ? Number(m[1]) : undefined;
}

/** A CDP CallArgument passing the same value. */
export function callArgument(o: RemoteObject): Record<string, unknown> {
  if (o.objectId) return { objectId: o.objectId };
  if (o.unserializableValue !== undefined) return { unserializableValue: o.unserializableValue };
  return o.type === 'undefined' ? {} : { value: o.value };
}
