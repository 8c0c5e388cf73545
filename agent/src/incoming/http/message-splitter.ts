// Splits one direction of an HTTP/1.x byte stream into messages with http-parser-js, keeping the
// raw bytes: each message is announced by onHead (method, url, headers or status) before any of
// its bytes, then its exact bytes (request line and headers included) follow through onBytes,
// then onComplete. After a message that upgrades the connection (Upgrade/CONNECT, or a 101
// response) the rest of the stream is raw and goes to onRaw. Parse errors throw.
//
// Sizes are bounded here, not by http-parser-js: its header-size count adds up every byte one
// execute() consumed when it ends inside a head, body bytes of the messages before included, so a
// chunk holding a request with a > 80 KiB body (and the next request's first bytes) was refused as
// "max header size exceeded". Its line buffer (chunk-size lines, trailers) has no bound at all.
import { HTTPParser, type OnHeadersCompleteParser } from 'http-parser-js';

type HeaderInfo = Parameters<OnHeadersCompleteParser>[0];

export interface MessageHead {
  method: string;
  url: string;
  rawHeaders: string[];
  statusCode: number;
  upgrade: boolean;
}

export interface SplitterHandlers {
  /** Return true to parse this response without a body (a response to HEAD). */
  onHead(head: MessageHead): boolean | void;
  onBytes(bytes: Buffer): void;
  onComplete(head: MessageHead): void;
  onRaw(bytes: Buffer): void;
}

/** Most bytes a message head (start line and headers) may take: http-parser-js's default. */
export const MAX_HEAD_BYTES = 80 * 1024;

// The JS parser keeps its read position in `offset` during callbacks, a partial line in `line`, a
// chunk's size in `body_bytes`, and parses a chunk-size line in BODY_CHUNKHEAD (none in the .d.ts).
interface ParserInternals {
  offset: number;
  line: string;
  state: string;
  body_bytes: number | null;
  BODY_CHUNKHEAD(): unknown;
}

function tooLarge(what: string): Error {
  return new Error(`HTTP parse error: ${what} larger than ${MAX_HEAD_BYTES} bytes`);
}

// http-parser-js takes any Content-Length through unary plus: "2x" is NaN (its read position
// became NaN and the message's bytes were handed on twice), "-1" moves it backwards. RFC 9110: digits only.
function checkContentLength(rawHeaders: string[]): void {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === 'content-length' && !/^\d+$/.test(rawHeaders[i + 1]!)) {
      throw new Error(`HTTP parse error: invalid Content-Length ${JSON.stringify(rawHeaders[i + 1]!.slice(0, 40))}`);
    }
  }
}

export class HttpMessageSplitter {
  private readonly parser: InstanceType<typeof HTTPParser>;
  private held: Buffer[] = []; // bytes of a message whose head is not complete yet
  private head: MessageHead | undefined;
  private chunk: Buffer | undefined;
  private start = 0; // where the current message's unsent bytes begin in `chunk`
  private upgraded = false;
  private heldBytes = 0;

  constructor(kind: 'request' | 'response', private readonly handlers: SplitterHandlers) {
    this.parser = new HTTPParser(kind === 'request' ? HTTPParser.REQUEST : HTTPParser.RESPONSE);
    // Counted right in push(); an accessor, because every new message resets the field.
    Object.defineProperty(this.parser, 'maxHeaderSize', { get: () => Number.MAX_SAFE_INTEGER, set: () => {} });
    // It reads a chunk size with parseInt: "-10" is -16 and its read position then moves backwards
    // forever (a hang fuzz-http found), "zz" is NaN and silently ends the body. Hex digits only.
    const parser = this.internals();
    const chunkHead = parser.BODY_CHUNKHEAD;
    parser.BODY_CHUNKHEAD = function (this: ParserInternals) {
      const result = chunkHead.call(this);
      if (this.state !== 'BODY_CHUNKHEAD' && !(Number.isSafeInteger(this.body_bytes) && (this.body_bytes as number) >= 0)) {
        throw new Error('invalid chunk size'); // execute() returns it: "HTTP parse error: invalid chunk size"
      }
      return result;
    };
    this.parser[HTTPParser.kOnHeadersComplete] = (info: HeaderInfo) => {
      // Refused before it is announced: with no head yet the caller can still pass the bytes on raw.
      const at = this.position();
      if (this.heldBytes + at - this.start > MAX_HEAD_BYTES) throw tooLarge('message head');
      checkContentLength(info.headers);
      const head: MessageHead = {
        method: typeof info.method === 'number' ? (HTTPParser.methods[info.method] ?? '') : '',
        url: info.url ?? '',
        rawHeaders: info.headers,
        statusCode: info.statusCode ?? 0,
        upgrade: info.upgrade,
      };
      this.head = head;
      const skipBody = this.handlers.onHead(head) === true;
      const first = (this.chunk as Buffer).subarray(this.start, at); // inside execute: chunk is set
      this.held.push(first);
      this.handlers.onBytes(Buffer.concat(this.held));
      this.held = [];
      this.heldBytes = 0;
      this.start = at;
      return skipBody ? 1 : 0;
    };
    this.parser[HTTPParser.kOnMessageComplete] = () => {
      // From end() (a body read until the close) no chunk is being parsed: its bytes were all sent.
      if (this.chunk) {
        const at = this.position();
        if (at > this.start) this.handlers.onBytes(this.chunk.subarray(this.start, at));
        this.start = at;
      }
      const head = this.head as MessageHead; // headers always complete before the message
      this.head = undefined;
      if (head.upgrade) this.upgraded = true;
      this.handlers.onComplete(head);
    };
  }

  /** Feeds bytes of this direction. Throws on a malformed message. */
  push(chunk: Buffer): void {
    if (this.upgraded) {
      this.handlers.onRaw(chunk);
      return;
    }
    this.chunk = chunk;
    this.start = 0;
    let offset = 0;
    while (offset < chunk.length) {
      let ret: number | Error;
      try {
        ret = this.parser.execute(chunk, offset, chunk.length - offset);
      } catch (err) {
        this.chunk = undefined;
        throw err; // tooLarge() or checkContentLength() from the head callback
      }
      if (ret instanceof Error) throw new Error(`HTTP parse error: ${ret.message}`);
      if (this.internals().line.length > MAX_HEAD_BYTES) throw tooLarge('line');
      offset += ret;
      // An upgrade: what follows the message is raw. `start` is where it ended (kOnMessageComplete);
      // the parser may have read on past it (an upgrade request with a body), so not `offset`.
      if (this.upgraded) break;
      if (ret === 0) break;
    }
    const rest = chunk.subarray(this.start);
    this.chunk = undefined;
    if (rest.length === 0) return;
    if (this.upgraded) this.handlers.onRaw(rest);
    else if (this.head) this.handlers.onBytes(rest);
    else {
      // Thrown before the bytes are kept: the caller passes takeHeld() + this chunk on raw.
      if (this.heldBytes + rest.length > MAX_HEAD_BYTES) throw tooLarge('message head');
      this.held.push(rest);
      this.heldBytes += rest.length;
    }
  }

  /** The stream ended: completes a read-until-close body. */
  end(): void {
    this.parser.finish();
  }

  /** Bytes of a message received before its head was complete (for a fallback to raw). */
  takeHeld(): Buffer {
    const b = Buffer.concat(this.held);
    this.held = [];
    this.heldBytes = 0;
    return b;
  }

  private position(): number {
    return this.internals().offset;
  }

  private internals(): ParserInternals {
    return this.parser as unknown as ParserInternals;
  }
}
