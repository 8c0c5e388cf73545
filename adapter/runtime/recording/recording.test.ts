// The file format: write → read round trip, truncation, damage, wrong version, not a recording,
// a disk that fills up.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePreamble, FrameEncoder, RecordingFormatError } from './frames.js';
import { describeDamage, readRecording, readRecordingFile } from './reader.js';
import { indexRecording, requestBytes, responseBytes, selectItems } from './recording-index.js';
import { redactionSettings } from './redaction.js';
import { http, writeScriptedRecording } from './test-recordings.js';
import { RecordingWriteError, RecordingWriter } from './writer.js';

const dir = mkdtempSync(join(tmpdir(), 'kmrec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function sample(name: string): Promise<string> {
  const path = join(dir, name);
  await writeScriptedRecording(path, {
    connections: [
      { segments: [['request', http.get('/a')], ['response', http.ok('alpha')], ['request', http.post('/b', 'xyz')], ['response', http.ok('oops', 503)]] },
      { segments: [['request', 'HELLO raw\n'], ['response', 'WORLD\n']] },
    ],
  });
  return path;
}

describe('recording format', () => {
  it('round-trips header, connections, segments, exchanges and the end summary', async () => {
    const read = readRecordingFile(await sample('round.kmrec'));
    expect(read.error).toBeUndefined();
    expect(read.lostBytes).toBe(0);
    expect(read.header).toMatchObject({ type: 'header', formatVersion: 1, target: 'deployment/test', ports: [8080] });
    expect(read.header.redaction.headers).toEqual(['authorization', 'cookie', 'set-cookie', 'proxy-authorization']);
    expect(read.end).toMatchObject({ connections: 2, exchanges: 2, reason: 'completed' });
    const index = indexRecording(read);
    expect(index.items.map((i) => i.id)).toEqual(['1', '2', 'c2']);
    const [a, b, raw] = index.items as [never, never, never];
    expect(requestBytes(a).toString()).toBe(http.get('/a'));
    expect(responseBytes(b).toString()).toBe(http.ok('oops', 503));
    expect(requestBytes(raw).toString()).toBe('HELLO raw\n');
    expect(responseBytes(raw).toString()).toBe('WORLD\n');
    expect(() => selectItems(index, ['9'])).toThrow(/no exchange or connection "9".*ids: 1, 2, c2/);
  });

  it('reads a truncated file up to its last complete record and says how much was lost', async () => {
    const full = readFileSync(await sample('trunc.kmrec'));
    const whole = readRecording(full).records.length;
    const headerEnd = 16 + full.readUInt32BE(8);
    expect(() => readRecording(full.subarray(0, headerEnd - 1))).toThrow(/expected the header record, found end of file/);
    let seen = 0;
    for (let cut = full.length - 1; cut >= headerEnd; cut -= 7) {
      const read = readRecording(full.subarray(0, cut));
      expect(read.error).toBeUndefined();
      expect(read.validBytes + read.lostBytes).toBe(cut);
      expect(read.records.length).toBeLessThan(whole);
      if (read.lostBytes > 0) expect(describeDamage(read)).toMatch(/incomplete record at byte offset \d+ \(\d+ bytes lost/);
      seen++;
    }
    expect(seen).toBeGreaterThan(10);
  });

  it('stops at a damaged record, naming its offset, and keeps the records before it', async () => {
    const full = readFileSync(await sample('damaged.kmrec'));
    const clean = readRecording(full);
    const third = clean.records[2];
    expect(third).toBeDefined();
    const bad = Buffer.from(full);
    const at = full.length - 30;
    bad[at] = (bad[at] as number) ^ 0xff;
    const read = readRecording(bad);
    expect(read.error).toBeInstanceOf(RecordingFormatError);
    expect(read.error?.message).toMatch(/recording unreadable at byte offset \d+: expected a record with checksum 0x[0-9a-f]{8}/);
    expect(read.records.length).toBeGreaterThan(2);
    expect(read.records.slice(0, 3)).toEqual(clean.records.slice(0, 3));
    expect(describeDamage(read)).toMatch(/bytes from offset \d+ are not used/);
  });

  it('refuses a file of another format version or that is not a recording, naming what it expected', async () => {
    const full = readFileSync(await sample('version.kmrec'));
    const v2 = Buffer.from(full);
    v2.writeUInt16BE(2, 6);
    expect(() => readRecording(v2)).toThrow('recording unreadable at byte offset 6: expected format version 1, found format version 2');
    expect(() => readRecording(Buffer.from('{"not":"a recording"}'))).toThrow(/byte offset 0: expected the kmirror recording magic .* \(not a kmirror recording\)/);
    expect(() => readRecording(full.subarray(0, 12))).toThrow(/expected the header record, found end of file after 12 bytes/);
    expect(() => readRecording(Buffer.alloc(0))).toThrow(/byte offset 0: expected the 8-byte preamble/);
  });

  it('names a record of an unknown type, even one whose type decodes as a BigInt (found by the 10^6 fuzz run)', () => {
    const enc = new FrameEncoder();
    const header = enc.encode({ type: 'header', formatVersion: 1, kmirrorVersion: 'x', target: 't', ports: [1], started: 1, redaction: { enabled: true, headers: [], patterns: [] }, onlyFailing: false });
    const odd = enc.encode({ type: 2n ** 63n } as never);
    const read = readRecording(Buffer.concat([encodePreamble(), header, odd]));
    expect(read.error?.message).toBe(`recording unreadable at byte offset ${8 + header.length + 8}: expected a kmirror record (header, open, segment, close, gap, exchange, end), found a record whose type is a bigint`);
    expect(read.header.target).toBe('t');
  });

  it('refuses to read a device or a directory as a recording', () => {
    expect(() => readRecordingFile('/dev/zero')).toThrow('cannot read recording /dev/zero: not a regular file');
    expect(() => readRecordingFile(dir)).toThrow(/not a regular file/);
    expect(() => readRecordingFile(join(dir, 'none.kmrec'))).toThrow(/no such file/);
  });

  it('a full disk stops the recording with a clear error', async () => {
    await expect(RecordingWriter.open('/dev/full', { target: 't', ports: [1], redaction: redactionSettings() })).rejects.toThrow(
      /cannot write the recording \/dev\/full: the disk is full \(ENOSPC\); recording stopped/,
    );
    await expect(RecordingWriter.open(join(dir, 'missing-dir', 'x.kmrec'), { target: 't', ports: [1], redaction: redactionSettings() })).rejects.toBeInstanceOf(RecordingWriteError);
  });

  it('can be read while it is still being written', async () => {
    const path = join(dir, 'live.kmrec');
    const w = await RecordingWriter.open(path, { target: 't', ports: [80], redaction: redactionSettings() });
    w.connection({ conn: 1, client: { address: '1.1.1.1', port: 1 }, server: { address: '2.2.2.2', port: 80 }, ts: 1 });
    w.segment({ conn: 1, dir: 'request', ts: 2, bytes: Buffer.from(http.get('/live')) });
    w.segment({ conn: 1, dir: 'response', ts: 3, bytes: Buffer.from(http.ok('yes')) });
    const mid = readRecordingFile(path);
    expect(mid.end).toBeUndefined();
    expect(mid.records.find((r) => r.type === 'exchange')).toMatchObject({ method: 'GET', path: '/live', status: 200 });
    w.gap({ conn: null, ts: 4, reason: 'tunnel reconnect', lostBytes: 120 });
    await w.close();
    const done = readRecordingFile(path);
    expect(done.end).toMatchObject({ gaps: 1, lostBytes: 120 });
    expect(indexRecording(done).gaps).toEqual([{ type: 'gap', conn: null, ts: 4, reason: 'tunnel reconnect', lostBytes: 120 }]);
  });

  it('keeps a file usable when the disk fills up mid-recording', async () => {
    const path = join(dir, 'full-later.kmrec');
    const w = await RecordingWriter.open(path, { target: 't', ports: [80], redaction: redactionSettings() });
    w.connection({ conn: 1, client: { address: '1.1.1.1', port: 1 }, server: { address: '2.2.2.2', port: 80 }, ts: 1 });
    w.segment({ conn: 1, dir: 'request', ts: 2, bytes: Buffer.from(http.get('/x')) });
    // What a short write on a full disk leaves: a torn last frame.
    writeFileSync(path, readFileSync(path).subarray(0, readFileSync(path).length - 5));
    const read = readRecordingFile(path);
    expect(read.records.map((r) => r.type)).toEqual(['open']);
    expect(read.lostBytes).toBeGreaterThan(0);
    await w.close();
  });
});
