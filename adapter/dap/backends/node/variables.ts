// Variables of the Node bridge: DAP variablesReference handles for scopes and objects (valid
// until the program resumes), property listing with paging of large arrays (indexed/named
// filters; a slice is made in the debuggee so huge arrays never cross the wire whole), and
// setVariable for scope variables (Debugger.setVariableValue) and object properties.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { CdpClient } from './cdp-client.js';
import { callArgument, formatValue, indexedCount, typeName, type RemoteObject } from './remote-object.js';
import { DapError } from '../../common/errors.js';

/** Arrays longer than this are paged (the client asks for ranges through indexedVariables). */
export const PAGE_SIZE = 100;

type Container =
  | { kind: 'scope'; objectId: string; callFrameId: string; scopeNumber: number }
  | { kind: 'object'; objectId: string; evaluateName?: string };

interface PropertyDescriptor {
  name: string;
  value?: RemoteObject;
  get?: RemoteObject;
}

const SLICE = 'function(start, count) { const out = {}; const end = Math.min(this.length, start + count); for (let i = start; i < end; i++) out[i] = this[i]; return out; }';
const ASSIGN = 'function(name, value) { this[name] = value; return this[name]; }';

export class VariableStore {
  private nextRef = 1;
  private readonly containers = new Map<number, Container>();

  constructor(private readonly cdp: CdpClient) {}

  /** Handles die when the debuggee resumes. */
  clear(): void {
    this.containers.clear();
    this.nextRef = 1;
  }

  scopeRef(objectId: string, callFrameId: string, scopeNumber: number): number {
    return this.add({ kind: 'scope', objectId, callFrameId, scopeNumber });
  }

  /** The DAP variable for a value (object values get a handle and, for arrays, an indexed count). */
  toVariable(name: string, o: RemoteObject, evaluateName?: string): DebugProtocol.Variable {
    const expandable = !!o.objectId && (o.type === 'object' || o.type === 'function') && o.subtype !== 'null';
    const indexed = indexedCount(o);
    return {
      name, value: formatValue(o), type: typeName(o),
      ...(evaluateName ? { evaluateName } : {}),
      variablesReference: expandable ? this.add({ kind: 'object', objectId: o.objectId!, ...(evaluateName ? { evaluateName } : {}) }) : 0,
      ...(indexed !== undefined && indexed > PAGE_SIZE ? { indexedVariables: indexed } : {}),
    };
  }

  async variables(args: DebugProtocol.VariablesArguments): Promise<DebugProtocol.Variable[]> {
    const c = this.containers.get(args.variablesReference);
    if (!c) return [];
    if (args.filter === 'indexed') return this.indexedSlice(c, args.start ?? 0, args.count ?? PAGE_SIZE);
    const props = await this.properties(c.objectId);
    const paged = args.filter === 'named' || (await this.isLargeArray(c.objectId, props));
    const visible = props.filter((p) => (p.value || p.get) && !(paged && /^\d+$/.test(p.name)));
    return visible.map((p) => this.toVariable(p.name, p.value ?? { type: 'accessor', description: '<getter>' }, this.childEvaluateName(c, p.name)));
  }

  async setVariable(args: DebugProtocol.SetVariableArguments, evaluate: (expression: string) => Promise<RemoteObject>): Promise<DebugProtocol.Variable> {
    const c = this.containers.get(args.variablesReference);
    if (!c) throw new DapError('BAD_REQUEST', `setVariable: variablesReference ${args.variablesReference} is not valid (any more)`);
    const value = await evaluate(args.value);
    if (c.kind === 'scope') {
      await this.cdp.send('Debugger.setVariableValue', { scopeNumber: c.scopeNumber, variableName: args.name, newValue: callArgument(value), callFrameId: c.callFrameId });
      return this.toVariable(args.name, value);
    }
    const r = await this.cdp.send<{ result: RemoteObject; exceptionDetails?: unknown }>('Runtime.callFunctionOn', {
      objectId: c.objectId, functionDeclaration: ASSIGN, arguments: [{ value: args.name }, callArgument(value)],
    });
    if (r.exceptionDetails) throw new DapError('BAD_REQUEST', `cannot set ${args.name}: ${formatValue(r.result)}`);
    return this.toVariable(args.name, r.result);
  }

  private add(c: Container): number {
    const ref = this.nextRef++;
    this.containers.set(ref, c);
    return ref;
  }

  private async properties(objectId: string): Promise<PropertyDescriptor[]> {
    const r = await this.cdp.send<{ result: PropertyDescriptor[] }>('Runtime.getProperties', { objectId, ownProperties: true, generatePreview: false });
    return r.result;
  }

  private async isLargeArray(objectId: string, props: PropertyDescriptor[]): Promise<boolean> {
    const length = props.find((p) => p.name === 'length')?.value?.value;
    return typeof length === 'number' && length > PAGE_SIZE && props.some((p) => p.name === '0');
  }

  private async indexedSlice(c: Container, start: number, count: number): Promise<DebugProtocol.Variable[]> {
    const slice = await this.cdp.send<{ result: RemoteObject }>('Runtime.callFunctionOn', {
      objectId: c.objectId, functionDeclaration: SLICE, arguments: [{ value: start }, { value: count }],
    });
    if (!slice.result.objectId) return [];
    const props = await this.properties(slice.result.objectId);
    return props.filter((p) => p.value && /^\d+$/.test(p.name)).map((p) => this.toVariable(p.name, p.value!, this.childEvaluateName(c, p.name)));
  }

  private childEvaluateName(c: Container, name: string): string | undefined {
    if (c.kind === 'scope') return name;
    if (!c.evaluateName) return undefined;
    return /^\d+$/.test(name) ? `${c.evaluateName}[${name}]` : /^[A-Za-z_$][\w$]*$/.test(name) ? `${c.evaluateName}.${name}` : `${c.evaluateName}[${JSON.stringify(name)}]`;
  }
}
