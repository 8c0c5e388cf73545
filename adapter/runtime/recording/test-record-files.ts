// For the recording tests: each scripted recording written through the real writer to a file of its own in a
// temp dir (removed after the test file), then read back with its index and its exchanges.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { readRecordingFile } from './reader.js';
import { indexRecording } from './recording-index.js';
import type { ExchangeRecord } from './records.js';
import { writeScriptedRecording, type ScriptedRecording } from './test-recordings.js';

export interface RecordedScript {
  read: ReturnType<typeof readRecordingFile>;
  index: ReturnType<typeof indexRecording>;
  exchanges: ExchangeRecord[];
}

/** Registers the temp dir's removal (afterAll) and returns the recorder; `prefix` names the dir. */
export function scriptRecorderForFile(prefix: string): (script: ScriptedRecording) => Promise<RecordedScript> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return async (script) => {
    const path = join(dir, `${n++}.kmrec`);
    await writeScriptedRecording(path, script);
    const read = readRecordingFile(path);
    return { read, index: indexRecording(read), exchanges: read.records.filter((r): r is ExchangeRecord => r.type === 'exchange') };
  };
}
