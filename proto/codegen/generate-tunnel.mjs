#!/usr/bin/env node
// Writes the tunnel's domain types and codec (proto/gen/tunnel-messages.ts, proto/gen/tunnel-codec.ts)
// from proto/kmirror/tunnel/v1/tunnel.proto. Run by scripts/build.d/10-proto.sh after pbjs.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { generateDomainCode } from './domain-codegen.mjs';
import { TUNNEL_CONVENTIONS } from './tunnel-conventions.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const source = 'proto/kmirror/tunnel/v1/tunnel.proto';
const root = protobuf.parse(readFileSync(join(repo, source), 'utf8'), { alternateCommentMode: true }).root;
root.resolveAll();
const { messages, codec } = generateDomainCode(root, {
  package: 'kmirror.tunnel.v1', envelope: 'Frame', oneof: 'body', source,
  staticModule: './tunnel.js', messagesModule: './tunnel-messages.js', conventions: TUNNEL_CONVENTIONS,
});
mkdirSync(join(repo, 'proto/gen'), { recursive: true });
writeFileSync(join(repo, 'proto/gen/tunnel-messages.ts'), messages);
writeFileSync(join(repo, 'proto/gen/tunnel-codec.ts'), codec);
