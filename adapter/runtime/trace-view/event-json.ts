// The JSON form of traced events and snapshots (`--json`, `-o FILE`, the DAP `data` body): one
// object per line, the TracedEvent as the agent reported it plus `time` (ISO 8601) for readers
// that do not want to convert `timeUs`.
import type { TracedEvent } from '../trace/trace-types.js';

export function eventJson(event: TracedEvent): Record<string, unknown> {
  const { gadget, ...rest } = event;
  return { gadget, time: new Date(Math.floor(event.timeUs / 1000)).toISOString(), ...rest };
}

export function eventJsonLine(event: TracedEvent): string {
  return `${JSON.stringify(eventJson(event))}\n`;
}
