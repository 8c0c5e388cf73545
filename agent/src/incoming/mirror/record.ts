// Decodes the batches the addon's ring-buffer reader hands over: repeated { u32le length,
// struct km_mirror_event (ebpf/mirror/mirror.h, 56 bytes), payload }. Offsets are pinned by
// record.test.ts with golden bytes.
import { unmapAddress } from '../steal/address.js';

export const EVENT_HEADER_BYTES = 56;
/** In MirrorRecord.flags (KM_MIRROR_EGRESS): sent by the target, source is the target's side. */
export const RECORD_EGRESS = 0x08;
/** In MirrorRecord.flags (KM_MIRROR_UDP): a chunk of a UDP datagram (segmentLength = its payload bytes). */
export const RECORD_UDP = 0x10;
/** km_mirror_port_cfg.enabled bits (KM_MIRROR_CFG_*). */
export const PORT_TCP = 0x01;
export const PORT_EGRESS = 0x02;
export const PORT_UDP = 0x04;

export interface MirrorRecord {
  source: { address: string; port: number };
  destination: { address: string; port: number };
  seq: number;
  /** Payload bytes of the whole captured segment; this record holds [offset, offset+data.length). */
  segmentLength: number;
  offset: number;
  flags: number;
  family: 4 | 6;
  ifindex: number;
  /** A view into the batch: copy it to keep it beyond the callback. */
  data: Buffer;
}

/** 16 address bytes (IPv4 v4-mapped) as text: dotted quad for v4, compressed IPv6 otherwise. */
export function formatAddress(buf: Buffer, at: number): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(buf.readUInt16BE(at + i).toString(16));
  // v4-mapped -> dotted quad; otherwise the compressed IPv6 form via URL normalisation
  if (words.slice(0, 5).every((w) => w === '0') && words[5] === 'ffff') {
    return `${buf[at + 12]}.${buf[at + 13]}.${buf[at + 14]}.${buf[at + 15]}`;
  }
  return unmapAddress(new URL(`http://[${words.join(':')}]/`).hostname.slice(1, -1));
}

/** Calls onRecord for each record of a batch; throws on a malformed batch (a bug, not input). */
export function decodeBatch(batch: Buffer, onRecord: (r: MirrorRecord) => void): void {
  let at = 0;
  while (at < batch.length) {
    if (at + 4 > batch.length) throw new Error(`mirror batch truncated at ${at}`);
    const len = batch.readUInt32LE(at);
    const rec = at + 4;
    if (len < EVENT_HEADER_BYTES || rec + len > batch.length) throw new Error(`mirror record of ${len} bytes at ${at} overruns the batch`);
    const dataLen = batch.readUInt16LE(rec + 48);
    if (EVENT_HEADER_BYTES + dataLen > len) throw new Error(`mirror record at ${at} claims ${dataLen} payload bytes in ${len}`);
    onRecord({
      source: { address: formatAddress(batch, rec), port: batch.readUInt16LE(rec + 32) },
      destination: { address: formatAddress(batch, rec + 16), port: batch.readUInt16LE(rec + 34) },
      seq: batch.readUInt32LE(rec + 36),
      segmentLength: batch.readUInt32LE(rec + 40),
      offset: batch.readUInt32LE(rec + 44),
      flags: batch[rec + 50] as number,
      family: batch[rec + 51] === 6 ? 6 : 4,
      ifindex: batch.readUInt32LE(rec + 52),
      data: batch.subarray(rec + EVENT_HEADER_BYTES, rec + EVENT_HEADER_BYTES + dataLen),
    });
    at = rec + len;
  }
}
