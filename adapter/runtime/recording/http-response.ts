// Reads one HTTP/1.x response (status, headers, de-chunked body) with http-parser-js: from a
// recorded byte range, or incrementally from a replay's socket until the message is complete.
import { createHash } from 'node:crypto';
import { HTTPParser, type OnHeadersCompleteParser } from 'http-parser-js';
import { MAX_HEAD_BYTES, unlimitedParser } from './http-message-stream.js';

type HeaderInfo = Parameters<OnHeadersCompleteParser>[0];

export interface ParsedResponse {
  status: number;
  reason: string;
  rawHeaders: string[];
  body: Buffer;
  complete: boolean;
}

export class ResponseReader {
  private readonly parser = unlimitedParser(HTTPParser.RESPONSE);
  private headBytes = 0;
  private readonly body: Buffer[] = [];
  private head: HeaderInfo | undefined;
  private done = false;
  private failure: Error | undefined;

  constructor(private readonly headRequest: boolean) {
    this.parser[HTTPParser.kOnHeadersComplete] = (info: HeaderInfo) => {
      const informational = info.statusCode >= 100 && info.statusCode < 200 && info.statusCode !== 101;
      if (!informational) this.head = info;
      return this.headRequest && !informational ? 1 : 0;
    };
    this.parser[HTTPParser.kOnBody] = (chunk: Buffer, start: number, len: number) => {
      if (this.head) this.body.push(Buffer.from(chunk.subarray(start, start + len)));
    };
    this.parser[HTTPParser.kOnMessageComplete] = () => {
      if (this.head) this.done = true;
    };
  }

  /** Feeds bytes; true once a complete (non-1xx) response has been read. */
  push(bytes: Buffer): boolean {
    if (this.done || this.failure) return this.done;
    const r = this.parser.execute(bytes);
    if (r instanceof Error) this.failure = new Error(`the response is not HTTP/1.x: ${r.message}`);
    else if (!this.head && (this.headBytes += bytes.length) > MAX_HEAD_BYTES) this.failure = new Error(`the response head is longer than ${MAX_HEAD_BYTES} bytes`);
    return this.done;
  }

  /** The peer closed: a read-until-close body ends here. */
  end(): void {
    if (this.done || this.failure) return;
    try {
      this.parser.finish();
    } catch {
      // a response cut short: result() reports complete: false
    }
  }

  get error(): Error | undefined {
    return this.failure;
  }

  result(): ParsedResponse | undefined {
    if (!this.head) return undefined;
    return { status: this.head.statusCode, reason: this.head.statusMessage ?? '', rawHeaders: this.head.headers, body: Buffer.concat(this.body), complete: this.done };
  }
}

export function parseRecordedResponse(bytes: Buffer, headRequest: boolean): ParsedResponse | undefined {
  const reader = new ResponseReader(headRequest);
  reader.push(bytes);
  reader.end();
  return reader.result();
}

export function digest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
