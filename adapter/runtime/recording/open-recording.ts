// Opens a recording for the CLI, the DAP request and the editors: reads it, indexes it, and says
// (through `warn`) when it ended early — the complete records before the damage are still used.
import { describeDamage, readRecordingFile } from './reader.js';
import { indexRecording, type RecordingIndex } from './recording-index.js';

export function openRecording(path: string, warn: (line: string) => void): RecordingIndex {
  const read = readRecordingFile(path);
  const damage = describeDamage(read);
  if (damage) warn(`${path}: ${damage}`);
  const index = indexRecording(read);
  for (const g of index.gaps) warn(`${path}: gap in the recording${g.conn === null ? '' : ` (connection ${g.conn})`}: ${g.reason}, ${g.lostBytes} bytes lost`);
  return index;
}

/** `FILE#ID` (as `kmirror-dap run --replay` takes it) → file and ids; no `#` means every item. */
export function splitRecordingRef(ref: string): { file: string; ids: string[] | 'all' } {
  const hash = ref.lastIndexOf('#');
  if (hash < 0) return { file: ref, ids: 'all' };
  const ids = ref.slice(hash + 1).split(',').map((s) => s.trim()).filter(Boolean);
  return { file: ref.slice(0, hash), ids: ids.length ? ids : 'all' };
}
