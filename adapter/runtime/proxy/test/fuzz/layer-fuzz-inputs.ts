// Seeded inputs for fuzzing the local proxy's layer channel as the layer would talk to it: every
// LayerMessage kind with field values valid, edge and nonsense (paths inside and outside the
// sandbox root, addresses, ports, flags, ids), protobuf-level mutations of encoded frames, random
// bodies, corrupt length prefixes, and sequences no supervisor sends (no Hello, Hello twice,
// RelayPeer for unknown connects, write then open, mkdir then rename then rmdir).
import protobuf from 'protobufjs/minimal.js';
import { Gen, prng } from '#test/fuzz/prng.js';
import { layerPb } from '../../layer-channel.js';

const PATHS = ['/data/a.txt', '/data/dir', '/data/dir/x', '/data/link', '/tmp/f1', '/tmp/f2', '/tmp/d1', '/tmp/d1/x', '/', '', 'relative/p', '/../../etc/passwd',
  '/proc/self/status', '/data/a.txt/..', '/nonexistent/x', `/tmp/${'x'.repeat(300)}`, '/tmp/\u0000nul', '/data//a.txt', '/tmp/é'];
const ADDRESSES = ['127.0.0.1', '::1', '10.255.255.1', '0.0.0.0', '::', '::ffff:127.0.0.1', 'localhost', 'not-an-ip', '', '999.1.1.1', 'fe80::1%eth0', '/tmp/x.sock'];
const FLAGS = [0, 1, 2, 0o100 | 1, 0o1000 | 1, 0o2000 | 1, 0o200 | 0o100 | 1, 0o200000, -1, 0x7fffffff];

export interface LayerFuzzInput {
  bytes: Buffer;
  /** Ids of well-formed requests in the input: each must be answered while the connection lives. */
  ids: number[];
  kind: 'message' | 'sequence' | 'mutated' | 'random' | 'prefix';
}

type Props = Parameters<typeof layerPb.LayerMessage.create>[0];

/** Requests that expect an answer (with a non-zero id); the rest are notices. */
const ANSWERED = new Set(['connect', 'open', 'stat', 'write', 'fsChange', 'listen']);

export class LayerFuzzInputs {
  private readonly g: Gen;
  private nextId = 1;
  constructor(seed: number, private readonly podIp: string, private readonly podPorts: number[]) {
    this.g = new Gen(prng(seed));
  }

  private addr(): string { return this.g.chance(0.3) ? this.podIp : this.g.pick(ADDRESSES); }
  private port(): number { return this.g.chance(0.4) ? this.g.pick(this.podPorts) : this.g.pick([0, 1, 53, 80, 65535, 65536, 4294967295, this.g.int(65536)]); }
  private path(): string { return this.g.pick(PATHS); }

  private body(kind: string): Props {
    const g = this.g;
    switch (kind) {
      case 'hello': return { hello: { protocolVersion: g.pick([1, 0, 2, 4294967295]), pid: g.int(1 << 22), argv: g.chance(0.5) ? ['prog', 'a'] : [], excludePorts: g.chance(0.3) ? [g.int(65536)] : [] } };
      case 'connect': return { connect: { transport: g.pick([0, 1, 0, 1, 7]) as never, remote: g.chance(0.95) ? { address: this.addr(), port: this.port() } : null, localPort: g.int(65536), pid: g.int(1 << 22), ipv6: g.chance(0.2), unixPath: g.chance(0.1) ? g.pick(['/tmp/nope.sock', '/data/a.txt', 'rel.sock', `/${'s'.repeat(200)}`]) : '' } };
      case 'open': return { open: { path: this.path(), flags: g.pick(FLAGS), pid: g.int(1 << 22) } };
      case 'stat': return { stat: { path: this.path(), noFollow: g.chance(0.5), pid: g.int(1 << 22) } };
      case 'listen': return { listen: { transport: g.pick([0, 1, 3]) as never, port: this.port(), address: this.addr(), pid: g.int(1 << 22) } };
      case 'log': return { log: { level: g.pick(['info', 'warn', 'error', '', 'x'.repeat(100)]), message: g.pick(['m', '', '\u0000\ud800', 'y'.repeat(5000)]) } };
      case 'stats': return { stats: { notifications: g.int(1e9), continued: g.int(100), redirected: 0, filesServed: g.int(5), failed: g.int(3), sendEnoent: 0, skippedExe: 1 } };
      case 'write': return { write: { path: g.chance(0.8) ? g.pick(['/tmp/f1', '/tmp/f2', '/tmp/d1/x']) : this.path(), content: Buffer.alloc(g.chance(0.01) ? 1 << 20 : g.int(4096), g.int(256)), append: g.chance(0.3), mode: g.pick([0, 0o644, 0o7777, 0xffffffff]) } };
      case 'fsChange': return { fsChange: { op: g.pick([0, 1, 2, 3, 4, 9]) as never, path: g.pick(['/tmp/d1', '/tmp/d2', '/tmp/f1', '/tmp/f2']), path2: g.pick(['/tmp/d2', '/tmp/f2', '/tmp/d1', '']), mode: g.pick([0o755, 0, 0o7777]), noReplace: g.chance(0.3) } };
      default: return { relayPeer: { connectId: g.chance(0.5) ? this.nextId - 1 : g.int(1e6), address: this.addr(), port: this.port() } };
    }
  }

  /** One message; `ids` gets its id when it must be answered. */
  private message(ids: number[], kind = this.g.pick(['hello', 'connect', 'connect', 'open', 'open', 'stat', 'stat', 'listen', 'log', 'stats', 'write', 'fsChange', 'relayPeer'])): Buffer {
    const answered = ANSWERED.has(kind) && this.g.chance(0.95);
    const id = answered ? this.nextId++ : 0;
    if (answered) ids.push(id);
    const m = layerPb.LayerMessage.create({ id, ...this.body(kind) });
    return Buffer.from(layerPb.LayerMessage.encodeDelimited(m, protobuf.Writer.create()).finish());
  }

  next(): LayerFuzzInput {
    const g = this.g;
    const roll = g.int(100);
    const ids: number[] = [];
    if (roll < 60) return { bytes: this.message(ids), ids, kind: 'message' };
    if (roll < 76) {
      const kinds = g.pick([['write', 'open', 'stat'], ['fsChange', 'fsChange', 'stat'], ['hello', 'hello', 'connect'], ['connect', 'relayPeer', 'relayPeer'], ['listen', 'listen', 'listen']]);
      return { bytes: Buffer.concat(kinds.map((k) => this.message(ids, k))), ids, kind: 'sequence' };
    }
    if (roll < 90) {
      // Protobuf-level mutation of one encoded body, the length prefix re-computed: decodes to
      // something else or fails to decode (the proxy then closes the connection).
      const frame = this.message([]);
      const reader = protobuf.Reader.create(frame);
      const len = reader.uint32();
      const body = Buffer.from(frame.subarray(reader.pos, reader.pos + len));
      for (let n = 1 + g.int(3); n > 0 && body.length; n--) body[g.int(body.length)] = g.chance(0.5) ? g.int(256) : body[g.int(body.length)]! ^ (1 << g.int(8));
      return { bytes: Buffer.from(protobuf.Writer.create().bytes(body).finish()), ids, kind: 'mutated' };
    }
    if (roll < 97) {
      const body = Buffer.from(Array.from({ length: g.int(64) }, () => g.int(256)));
      return { bytes: Buffer.from(protobuf.Writer.create().bytes(body).finish()), ids, kind: 'random' };
    }
    // corrupt prefixes: over the limit, more than 5 bytes, or a frame that never completes
    return { bytes: g.pick([Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), Buffer.from([0x90, 0x4e, 1, 2, 3])]), ids, kind: 'prefix' };
  }
}
