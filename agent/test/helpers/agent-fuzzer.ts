// Seeded fuzzing of a live agent after a valid handshake, shared by the integration test (a few
// thousand inputs) and bench/fuzz-agent.ts (a million). Each input is one frame: a message of a
// random kind with random field values built from the .proto by reflection (numbers from the
// boundary set, strings from small per-field dictionaries), on a new stream, an open one, stream
// 0 or a random id; some are then mutated byte-wise (bit flips, inserted, deleted, cut bytes) and
// a few get a corrupt length prefix. Opened streams are reused, so sequences (open, read, write,
// window updates, close) happen. At every checkpoint the client leaves and the agent must be
// alive, serve a well-behaved client, and hold no more descriptors than before the run.
import net from 'node:net';
import protobuf from 'protobufjs';
import { fdBaseline, fdCount } from './fd-count.js';
import { expectStillServing, LIVE_DNS_NAME, type LiveAgent } from './live-agent.js';
import { RawTunnelClient } from './raw-tunnel-client.js';
import { bodyKinds, frameType, withLengthPrefix } from './wire-reflection.js';

/** mulberry32: small, fast, and the same sequence for the same seed. */
export function seededRandom(seed: number): { float(): number; int(n: number): number; pick<T>(a: readonly T[]): T; chance(p: number): boolean } {
  let s = seed >>> 0;
  const float = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(float() * n);
  // Safe: callers pass non-empty arrays.
  return { float, int, pick: <T>(a: readonly T[]) => a[int(a.length)]!, chance: (p: number) => float() < p };
}

/** Addresses inside the namespace only: a mutated address outside it is not sent. */
const SAFE_HOSTS = ['127.0.0.1', '::1', '127.0.0.53', 'localhost', LIVE_DNS_NAME, 'no-such-name', ''];
const PATHS = ['/mnt/read.txt', '/mnt/fz-a', '/mnt/fz-b', '/mnt', '/', '/etc/resolv.conf', '/etc/hosts', '/tmp/x', '../../../etc/passwd', '/usr/bin', '/proc/self/environ', '', 'relative', '/mnt/fz-a/../fz-b'];
const REGEXES = ['^/api/', '.*', '(', '[', 'GET', '', 'x-a: b'];
const NUMBERS = [0, 1, 2, 7, 53, 255, 4096, 65535, 65536, 2 ** 20, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];
const LONGS = ['0', '1', '4096', '4294967296', '9007199254740991', '9007199254740993', '9223372036854775807', '9223372036854775808', '18446744073709551615'];
const OPENERS = new Set(['tcpConnect', 'udpOpen', 'fileOpen', 'subscribe']);
const CONTROL = new Set(['hello', 'helloAck', 'ping', 'pong', 'error']);
/** What a client sends, drawn more often than the rest (which the agent only ever refuses). */
const CLIENT_KINDS = [
  'tcpConnect', 'data', 'windowUpdate', 'shutdown', 'close', 'udpOpen', 'udpDatagram', 'resolveRequest', 'dnsQuery', 'fileOpen',
  'fileRead', 'fileWrite', 'fileTruncate', 'fileClose', 'fileStatRequest', 'fileReaddir', 'envRequest', 'subscribe', 'unsubscribe', 'ping',
];

export interface FuzzOptions {
  inputs: number;
  seed: number;
  /** Inputs between checkpoints (client leaves, liveness, fd and RSS figures). */
  checkEvery: number;
  /** Only these Frame body kinds (a focused run); default: all, client requests more often. */
  kinds?: string[];
  onCheckpoint?: (stats: FuzzStats) => void;
}

export interface FuzzStats {
  inputs: number;
  skipped: number;
  connections: number;
  closedByAgent: number;
  errorCodes: Record<string, number>;
  internalErrors: string[];
  checkpoints: number;
  fdBaseline: number;
  fdMaxAfterClients: number;
  fdMaxDuringRun: number;
  fdLeaks: string[];
  rssStartKb: number;
  rssMaxKb: number;
  elapsedMs: number;
}

type Rng = ReturnType<typeof seededRandom>;

function randomString(field: protobuf.Field, rng: Rng): string {
  if (/path/i.test(field.name)) return rng.pick(PATHS);
  if (/host|address/i.test(field.name)) return rng.pick(SAFE_HOSTS);
  if (field.name === 'name') return rng.pick([LIVE_DNS_NAME, 'web', 'localhost', '', 'a'.repeat(300), 'x.'.repeat(60)]);
  if (/filter/i.test(field.name)) return rng.pick(REGEXES);
  if (rng.chance(0.02)) return 'z'.repeat(rng.int(70_000));
  return Buffer.from(Array.from({ length: rng.int(24) }, () => 32 + rng.int(95))).toString('latin1');
}

function randomValue(field: protobuf.Field, rng: Rng, depth: number): unknown {
  field.resolve();
  const t = field.resolvedType;
  if (t instanceof protobuf.Enum) return rng.chance(0.8) ? rng.pick(Object.values(t.values)) : rng.pick(NUMBERS);
  if (t instanceof protobuf.Type) return depth > 2 ? {} : randomMessage(t, rng, depth + 1);
  switch (field.type) {
    case 'bool': return rng.chance(0.5);
    case 'string': return randomString(field, rng);
    case 'bytes': return Buffer.from(Array.from({ length: rng.chance(0.05) ? rng.int(4096) : rng.int(48) }, () => rng.int(256)));
    case 'uint64': case 'int64': case 'fixed64': case 'sfixed64': case 'sint64': return rng.pick(LONGS);
    default: return rng.chance(0.7) ? rng.pick(NUMBERS) : rng.int(2 ** 32);
  }
}

function randomMessage(type: protobuf.Type, rng: Rng, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const setOneofs = new Set<string>();
  for (const field of type.fieldsArray) {
    if (!rng.chance(0.7)) continue;
    if (field.partOf) { if (setOneofs.has(field.partOf.name)) continue; setOneofs.add(field.partOf.name); }
    if (field instanceof protobuf.MapField) out[field.name] = Object.fromEntries(Array.from({ length: rng.int(3) }, (_, i) => [`K${i}`, 'v']));
    else if (field.repeated) out[field.name] = Array.from({ length: rng.int(3) }, () => randomValue(field, rng, depth));
    else out[field.name] = randomValue(field, rng, depth);
  }
  return out;
}

function mutate(bytes: Buffer, rng: Rng): Buffer {
  const b = Buffer.from(bytes);
  switch (rng.int(5)) {
    case 0: for (let i = rng.int(4) + 1; i > 0 && b.length; i--) { const at = rng.int(b.length); b[at] = (b[at] as number) ^ (1 << rng.int(8)); } return b;
    case 1: if (b.length) b[rng.int(b.length)] = rng.pick([0, 0x7f, 0x80, 0xff]); return b;
    case 2: { const at = rng.int(b.length + 1); return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: rng.int(8) + 1 }, () => rng.int(256))), b.subarray(at)]); }
    case 3: { const at = rng.int(b.length + 1); return Buffer.concat([b.subarray(0, at), b.subarray(at + rng.int(8) + 1)]); }
    default: return b.subarray(0, rng.int(b.length + 1));
  }
}

/** False when a decodable frame would reach outside the namespace (an address not in SAFE_HOSTS). */
function staysInside(body: Buffer): boolean {
  let f: Record<string, Record<string, unknown> | undefined>;
  try {
    f = frameType().toObject(frameType().decode(body)) as typeof f;
  } catch {
    return true; // undecodable: the agent refuses it too
  }
  const addr = (f.tcpConnect?.host ?? (f.udpDatagram?.peer as { address?: string } | undefined)?.address ?? (f.dnsQuery?.server as { address?: string } | undefined)?.address) as string | undefined;
  return addr === undefined || !net.isIP(addr) || SAFE_HOSTS.includes(addr);
}

/** Runs the fuzzer against `live`; throws at once if the agent dies or stops serving. */
export async function fuzzAgent(live: LiveAgent, opts: FuzzOptions): Promise<FuzzStats> {
  const rng = seededRandom(opts.seed);
  const frame = frameType();
  const kinds = bodyKinds();
  const t0 = Date.now();
  let fds = fdBaseline(live.agent.pid);
  const stats: FuzzStats = {
    inputs: 0, skipped: 0, connections: 0, closedByAgent: 0, errorCodes: {}, internalErrors: [], checkpoints: 0,
    fdBaseline: fds.count, fdMaxAfterClients: fds.count, fdMaxDuringRun: fds.count, fdLeaks: [], rssStartKb: live.rssKb(), rssMaxKb: live.rssKb(), elapsedMs: 0,
  };
  let client: RawTunnelClient | undefined;
  let nextId = 1;
  let nonce = 1;
  let open: number[] = [];
  // Opening requests since the last checkpoint: a leak report says which kinds could have caused it.
  let openedSince: Record<string, number> = {};

  const retire = async (): Promise<void> => {
    if (!client) return;
    if (client.isClosed) stats.closedByAgent++;
    await client.close();
    for (const f of client.frames) {
      if (f.msg?.kind !== 'error') continue;
      stats.errorCodes[f.msg.code] = (stats.errorCodes[f.msg.code] ?? 0) + 1;
      if (f.msg.code === 'INTERNAL' && stats.internalErrors.length < 20) stats.internalErrors.push(f.msg.message);
    }
    client = undefined;
  };
  const checkpoint = async (): Promise<void> => {
    await retire();
    stats.checkpoints++;
    if (!live.alive()) throw new Error(`agent died after ${stats.inputs} inputs (seed ${opts.seed}): ${live.logs.slice(-5).join('\n')}`);
    await expectStillServing(live);
    try {
      await fds.expectNoGrowth(`${stats.inputs} fuzz inputs`);
    } catch (err) {
      stats.fdLeaks.push(`${(err as Error).message}; requests since the previous checkpoint: ${JSON.stringify(openedSince)}`);
      fds = fdBaseline(live.agent.pid); // report each leak once
    }
    stats.fdMaxAfterClients = Math.max(stats.fdMaxAfterClients, fdCount(live.agent.pid));
    stats.rssMaxKb = Math.max(stats.rssMaxKb, live.rssKb());
    openedSince = {};
    stats.elapsedMs = Date.now() - t0;
    opts.onCheckpoint?.(stats);
  };

  while (stats.inputs < opts.inputs) {
    if (!client || client.isClosed || nextId > 2 ** 31) {
      await retire();
      client = await RawTunnelClient.authenticated(live.agent.url, live.agent.token, `fuzz-${opts.seed}`);
      stats.connections++;
      nextId = 1;
      open = [];
    }
    const kind = opts.kinds ? rng.pick(opts.kinds) : rng.chance(0.75) ? rng.pick(CLIENT_KINDS) : rng.pick(kinds);
    const where = rng.float();
    let streamId: number;
    // Stream 0 takes control messages only; anything else there ends the connection: keep that rare.
    if (where < 0.9 && open.length && rng.chance(0.45)) streamId = rng.pick(open);
    else if (where < 0.9 || (!CONTROL.has(kind) && !rng.chance(0.2))) { streamId = nextId; nextId += 2; if (OPENERS.has(kind)) open = [...open.slice(-31), streamId]; }
    else if (where < 0.99) streamId = 0;
    else { streamId = rng.int(2 ** 32); nextId = Math.max(nextId, (streamId | 1) + 2); }
    if (streamId === 0 && kind === 'error' && !rng.chance(0.05)) continue;
    // Safe: every Frame body case is a message field.
    const bodyType = frame.fields[kind]!.resolve().resolvedType as protobuf.Type;
    let body: Buffer = Buffer.from(frame.encode(frame.fromObject({ streamId, [kind]: randomMessage(bodyType, rng) })).finish());
    if (rng.chance(0.15)) body = mutate(body, rng);
    if (!staysInside(body)) { stats.skipped++; continue; }
    const bytes = rng.chance(0.002) ? Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), body]) : withLengthPrefix(body);
    client.raw(bytes);
    stats.inputs++;
    if (OPENERS.has(kind) && streamId !== 0) openedSince[kind] = (openedSince[kind] ?? 0) + 1;
    if (stats.inputs % 50 === 0 && !client.isClosed) {
      stats.fdMaxDuringRun = Math.max(stats.fdMaxDuringRun, fdCount(live.agent.pid));
      await client.ping(1e9 + nonce++, 30_000).catch((err: unknown) => {
        if (!client?.isClosed) throw new Error(`agent stopped answering pings after ${stats.inputs} inputs (seed ${opts.seed}): ${(err as Error).message}`);
      });
    }
    if (stats.inputs % opts.checkEvery === 0) await checkpoint();
  }
  await checkpoint();
  return stats;
}
