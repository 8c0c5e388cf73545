// Pairs the HTTP/1.x requests of one connection with its responses (in order: keep-alive and
// pipelining answer first-in first-out) and reports each pair as an exchange, with offsets into
// the connection's recorded request and response streams. A connection whose bytes do not parse
// stays whole (no exchanges); a reset or close before a response ends its open exchanges with status 0.
import { HttpMessageStream, type MessageHead, type RecordedMessage } from './http-message-stream.js';
import type { HeaderNameMatcher } from './redaction.js';
import type { Direction, ExchangeRecord } from './records.js';

export type PendingExchange = Omit<ExchangeRecord, 'type' | 'id'>;

export interface IndexerHandlers {
  /** Recorded (redacted) bytes of one direction, in order, with the capture timestamp. */
  onOutput(dir: Direction, bytes: Buffer, ts: number): void;
  /** `request` is the request head as sent (before redaction), for filters that look at its headers. */
  onExchange(exchange: PendingExchange, request: MessageHead): void;
}

interface OpenRequest {
  message: RecordedMessage;
  started: number;
}

const INFORMATIONAL = (status: number): boolean => status >= 100 && status < 200 && status !== 101;

export class ConnectionIndexer {
  private readonly request: HttpMessageStream;
  private readonly response: HttpMessageStream;
  private readonly requests: OpenRequest[] = []; // complete requests waiting for their response
  private readonly methods: string[] = []; // methods of requests whose response head is still to come
  private requestStartTs: number | undefined;
  private ts = 0;

  constructor(
    readonly conn: number,
    private readonly handlers: IndexerHandlers,
    redact: HeaderNameMatcher | undefined,
  ) {
    this.request = new HttpMessageStream(
      'request',
      {
        onHead: (head) => {
          this.methods.push(head.method);
          return false;
        },
        onOutput: (bytes) => {
          this.requestStartTs ??= this.ts;
          handlers.onOutput('request', bytes, this.ts);
        },
        onMessage: (message) => {
          this.requests.push({ message, started: this.requestStartTs ?? this.ts });
          this.requestStartTs = undefined;
        },
      },
      redact,
    );
    this.response = new HttpMessageStream(
      'response',
      {
        // A response to HEAD has no body, whatever its Content-Length says.
        onHead: (head) => !INFORMATIONAL(head.statusCode) && this.methods.shift() === 'HEAD',
        onOutput: (bytes) => handlers.onOutput('response', bytes, this.ts),
        onMessage: (message) => this.responseComplete(message),
      },
      redact,
    );
  }

  /** True while both directions parse as HTTP/1.x. */
  get isHttp(): boolean {
    return this.request.isHttp && this.response.isHttp;
  }

  segment(dir: Direction, bytes: Buffer, ts: number): void {
    this.ts = ts;
    (dir === 'request' ? this.request : this.response).push(bytes);
  }

  /** The connection ended; exchanges without a complete response end with status 0. */
  close(ts: number, reset: boolean): void {
    this.ts = ts;
    this.request.end();
    this.response.end();
    if (!this.isHttp && this.requests.length === 0) return;
    for (const open of this.requests.splice(0)) {
      this.handlers.onExchange(this.exchange(open, undefined, ts, reset), open.message.head);
    }
  }

  private responseComplete(message: RecordedMessage): void {
    if (INFORMATIONAL(message.head.statusCode)) return; // 100 Continue precedes the real answer
    const open = this.requests.shift();
    if (!open) return; // an answer to nothing we saw (capture started mid-connection)
    this.handlers.onExchange(this.exchange(open, message, this.ts, false), open.message.head);
  }

  private exchange(open: OpenRequest, response: RecordedMessage | undefined, endTs: number, reset: boolean): PendingExchange {
    const req = open.message;
    return {
      conn: this.conn,
      method: req.head.method,
      path: req.head.url,
      status: response?.head.statusCode ?? 0,
      duration: Math.max(0, endTs - open.started),
      started: open.started,
      requestBytes: req.end - req.start,
      responseBytes: response ? response.end - response.start : 0,
      requestRange: [req.start, req.end],
      responseRange: response ? [response.start, response.end] : [0, 0],
      reset,
      redacted: [...new Set([...req.redacted, ...(response?.redacted ?? [])])],
    };
  }
}
