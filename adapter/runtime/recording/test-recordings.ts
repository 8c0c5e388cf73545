// Builds small recordings through the real writer, for the recording tests and the DAP replay test
// (the capture side feeds the same writer). Timestamps are synthetic and increasing.
import type { RequestMatcher } from '../proxy/http-request-match.js';
import { redactionSettings } from './redaction.js';
import type { Direction } from './records.js';
import { RecordingWriter } from './writer.js';

export interface ScriptedConnection {
  /** Segments in capture order; `reset` ends the connection with an RST. */
  segments: [Direction, string | Buffer][];
  reset?: boolean;
}

export interface ScriptedRecording {
  connections: ScriptedConnection[];
  onlyFailing?: boolean;
  keepRequest?: RequestMatcher;
  redactionPatterns?: string[];
  noRedaction?: boolean;
  serverPort?: number;
}

export async function writeScriptedRecording(path: string, script: ScriptedRecording): Promise<void> {
  const port = script.serverPort ?? 8080;
  const writer = await RecordingWriter.open(
    path,
    { target: 'deployment/test', ports: [port], redaction: redactionSettings(script.redactionPatterns ?? [], script.noRedaction), started: 1_700_000_000_000 },
    { onlyFailing: script.onlyFailing, ...(script.keepRequest ? { keepRequest: script.keepRequest, keepRequestLabel: 'test filter' } : {}) },
  );
  let ts = 1_700_000_000_000;
  script.connections.forEach((c, i) => {
    const conn = i + 1;
    writer.connection({ conn, client: { address: '10.0.0.9', port: 40000 + conn }, server: { address: '10.0.0.1', port }, ts: ts++ });
    for (const [dir, data] of c.segments) writer.segment({ conn, dir, ts: ts++, bytes: typeof data === 'string' ? Buffer.from(data, 'latin1') : data });
    writer.closeConnection({ conn, ts: ts++, reset: c.reset === true });
  });
  await writer.close();
}

export const http = {
  get: (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: shop\r\n${extra}\r\n`,
  post: (path: string, body: string): string => `POST ${path} HTTP/1.1\r\nHost: shop\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  ok: (body: string, status = 200, extra = ''): string => `HTTP/1.1 ${status} X\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
  chunked: (parts: string[], status = 200): string =>
    `HTTP/1.1 ${status} X\r\nTransfer-Encoding: chunked\r\n\r\n${parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('')}0\r\n\r\n`,
};
