// Types of domain-codegen.mjs (the generator runs under plain node at build time, before tsc).
import type { Root } from 'protobufjs';

export interface DomainConventions {
  /** Per message: fields optional in the domain type (omitted on decode when absent), or '*' for all. */
  optional?: Record<string, string[] | '*'>;
  /** Per enum: 'name' keeps the proto value names; `rename` replaces single values' domain names. */
  enums?: Record<string, { form?: 'lower' | 'name'; rename?: Record<string, string> }>;
}

export interface DomainCodegenOptions {
  /** Full package name, e.g. "kmirror.tunnel.v1". */
  package: string;
  /** The message carrying every other message in a oneof, e.g. "Frame". */
  envelope: string;
  oneof: string;
  /** Import path of the pbjs static module, relative to the generated codec. */
  staticModule: string;
  /** Import path of the generated types module, relative to the generated codec. */
  messagesModule?: string;
  /** The .proto path named in the banner. */
  source: string;
  conventions?: DomainConventions;
}

/** Generates the domain types module and the codec module from a parsed, resolved Root. */
export function generateDomainCode(root: Root, opts: DomainCodegenOptions): { messages: string; codec: string };
