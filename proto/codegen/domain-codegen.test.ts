// The generator over a small fixture protocol: deterministic output, and the .proto is the only
// source of the domain types (a field added there appears in the generated type and codec).
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { generateDomainCode, type DomainCodegenOptions } from './domain-codegen.mjs';

const fixture = readFileSync(new URL('./fixtures/sample.proto', import.meta.url), 'utf8');
const options: DomainCodegenOptions = { package: 'sample.v1', envelope: 'Envelope', oneof: 'body', staticModule: './sample.js', messagesModule: './sample-messages.js', source: 'fixtures/sample.proto' };

function generate(source: string, opts: Partial<DomainCodegenOptions> = {}): { messages: string; codec: string } {
  const root = protobuf.parse(source, { alternateCommentMode: true }).root;
  root.resolveAll();
  return generateDomainCode(root, { ...options, ...opts });
}

describe('domain code generator', () => {
  it('gives the same output on every run', () => {
    expect(generate(fixture)).toEqual(generate(fixture));
  });

  it('generates the oneof union, enums as names and defaults for absent fields', () => {
    const { messages, codec } = generate(fixture);
    expect(messages).toMatch(/do not edit/);
    expect(messages).toContain("export type Mood = 'happy' | 'grumpy';");
    expect(messages).toContain("| ({ kind: 'greeting' } & Greeting)");
    expect(messages).toContain("export const MSG_KINDS = ['greeting', 'goodbye'] as const");
    expect(messages).toMatch(/export interface Greeting \{\n {2}name: string;\n {2}mood: Mood;\n {2}count: number;\n {2}tags: string\[\];\n\}/);
    expect(codec).toContain('count: num(w?.count),');
    expect(codec).toContain("mood: moodFromWire(w?.mood),");
    expect(codec).toContain("const moodFromWire = (n: number | null | undefined): Mood => moodNames[n ?? 0] ?? 'happy';");
  });

  it('picks up a field added to the .proto in the type and both directions of the codec', () => {
    const grown = fixture.replace('repeated string tags = 4;', 'repeated string tags = 4;\n  bytes avatar_png = 5;');
    const { messages, codec } = generate(grown);
    expect(messages).toContain('  avatarPng: Buffer;\n}');
    expect(codec).toContain('avatarPng: m.avatarPng,');
    expect(codec).toContain('avatarPng: buf(w?.avatarPng),');
    expect(generate(fixture).messages).not.toContain('avatarPng');
  });

  it('applies the conventions: optional fields, proto value names, renamed values', () => {
    const { messages, codec } = generate(fixture, { conventions: { optional: { Greeting: ['name'] }, enums: { Mood: { rename: { GRUMPY: 'cross' } } } } });
    expect(messages).toContain('  name?: string;');
    expect(messages).toContain("export type Mood = 'happy' | 'cross';");
    expect(codec).toContain("...(w?.name ? { name: w?.name ?? '' } : {}),");
    const named = generate(fixture, { conventions: { enums: { Mood: { form: 'name' } } } });
    expect(named.messages).toContain("export type Mood = 'MOOD_UNSPECIFIED' | 'HAPPY' | 'GRUMPY';");
  });
});
