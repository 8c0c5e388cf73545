// One direction of a recorded connection, split into HTTP/1.x messages with http-parser-js.
// A message's head is held until it is complete so its credential headers can be redacted before
// any of it reaches the file; bytes then pass through in order and every message is reported with
// its [start, end) offsets in the recorded (redacted) stream. The first parse error, an upgrade
// (101/CONNECT) or HTTP/2's preface turns the direction raw: the rest passes through untouched.
// (Same technique as the agent's message-splitter; the CLI may not import the agent's source.)
import { HTTPParser, type OnHeadersCompleteParser } from 'http-parser-js';
import { redactHeaderBlock, type HeaderNameMatcher } from './redaction.js';

type HeaderInfo = Parameters<OnHeadersCompleteParser>[0];

export interface MessageHead {
  method: string;
  url: string;
  statusCode: number;
  rawHeaders: string[];
  upgrade: boolean;
}

export interface RecordedMessage {
  head: MessageHead;
  start: number;
  end: number;
  redacted: string[];
}

export interface MessageStreamHandlers {
  /** Return true to parse this response without a body (a response to HEAD). */
  onHead(head: MessageHead): boolean;
  /** Bytes as they go into the recording, in stream order. */
  onOutput(bytes: Buffer): void;
  onMessage(message: RecordedMessage): void;
}

interface ParserInternals {
  offset: number; // the JS parser's read position during callbacks (not in the .d.ts)
}

/** As http-parser-js's default; a longer head is not HTTP we index. */
export const MAX_HEAD_BYTES = 80 * 1024;

/**
 * http-parser-js 0.5.10 adds every byte of an execute() call to its header-size count when the call
 * ends between messages, so a 1 MiB body arriving in one chunk fails with "max header size
 * exceeded" after its message completed. Its limit is switched off; callers bound heads themselves.
 */
export function unlimitedParser(kind: typeof HTTPParser.REQUEST | typeof HTTPParser.RESPONSE): InstanceType<typeof HTTPParser> {
  const parser = new HTTPParser(kind);
  // An accessor, because the parser re-runs its constructor after every message, which resets a plain field.
  Object.defineProperty(parser, 'maxHeaderSize', { get: () => Number.MAX_SAFE_INTEGER, set: () => {} });
  return parser;
}

export class HttpMessageStream {
  private readonly parser: InstanceType<typeof HTTPParser>;
  private held: Buffer[] = [];
  private head: MessageHead | undefined;
  private redacted: string[] = [];
  private chunk: Buffer | undefined;
  private start = 0; // start of the not yet handled bytes in `chunk`
  private messageStart = 0; // output offset where the current message began
  private output = 0; // bytes handed to onOutput so far
  private raw = false;

  constructor(
    kind: 'request' | 'response',
    private readonly handlers: MessageStreamHandlers,
    private readonly redact: HeaderNameMatcher | undefined,
  ) {
    this.parser = unlimitedParser(kind === 'request' ? HTTPParser.REQUEST : HTTPParser.RESPONSE);
    this.parser[HTTPParser.kOnHeadersComplete] = (info: HeaderInfo) => this.headersComplete(info);
    this.parser[HTTPParser.kOnMessageComplete] = () => this.messageComplete();
  }

  /** False once the stream turned out not to be (or stopped being) HTTP/1.x. */
  get isHttp(): boolean {
    return !this.raw;
  }

  push(chunk: Buffer): void {
    if (this.raw) return this.emit(chunk);
    this.chunk = chunk;
    this.start = 0;
    let offset = 0;
    while (offset < chunk.length && !this.raw) {
      const ret = this.parser.execute(chunk, offset, chunk.length - offset);
      if (ret instanceof Error) {
        this.goRaw(chunk.subarray(this.start));
        this.chunk = undefined;
        return;
      }
      offset += ret;
      if (ret === 0) break;
    }
    const rest = chunk.subarray(this.start);
    this.chunk = undefined;
    if (rest.length === 0) return;
    if (this.raw || this.head) this.emit(rest);
    else this.held.push(rest);
    // Our own bound on a message head (the parser's is switched off, see unlimitedParser).
    if (this.held.reduce((n, b) => n + b.length, 0) > MAX_HEAD_BYTES) this.goRaw(Buffer.alloc(0));
  }

  /** The direction ended: completes a read-until-close body, and releases an unfinished head raw. */
  end(): void {
    if (!this.raw) {
      this.chunk = Buffer.alloc(0);
      this.start = 0;
      try {
        this.parser.finish();
      } catch {
        // a message cut short: its bytes still go into the recording below
      }
      this.chunk = undefined;
    }
    if (this.held.some((b) => b.length > 0)) this.raw = true; // ended inside something that never became a message head
    this.emit(Buffer.concat(this.held));
    this.held = [];
  }

  private headersComplete(info: HeaderInfo): number {
    const head: MessageHead = {
      method: typeof info.method === 'number' ? (HTTPParser.methods[info.method] ?? '') : '',
      url: info.url ?? '',
      statusCode: info.statusCode ?? 0,
      rawHeaders: info.headers,
      upgrade: info.upgrade,
    };
    const at = this.position();
    this.held.push((this.chunk as Buffer).subarray(this.start, at));
    this.start = at;
    let block: Buffer = Buffer.concat(this.held);
    this.held = [];
    this.redacted = [];
    if (this.redact) ({ block, redacted: this.redacted } = redactHeaderBlock(block, this.redact));
    this.head = head;
    this.emit(block);
    return this.handlers.onHead(head) ? 1 : 0;
  }

  private messageComplete(): void {
    const at = this.position();
    if (at > this.start) this.emit((this.chunk as Buffer).subarray(this.start, at));
    this.start = at;
    const head = this.head as MessageHead;
    this.head = undefined;
    this.handlers.onMessage({ head, start: this.messageStart, end: this.output, redacted: this.redacted });
    this.messageStart = this.output;
    // Upgraded (WebSocket, CONNECT tunnel) connections carry something else from here on.
    if (head.upgrade || head.statusCode === 101) this.raw = true;
  }

  private goRaw(rest: Buffer): void {
    this.raw = true;
    this.emit(Buffer.concat([...this.held, rest]));
    this.held = [];
    this.head = undefined;
  }

  private emit(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.output += bytes.length;
    this.handlers.onOutput(bytes);
  }

  private position(): number {
    return (this.parser as unknown as ParserInternals).offset;
  }
}
