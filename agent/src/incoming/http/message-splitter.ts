// Splits one direction of an HTTP/1.x byte stream into messages with http-parser-js, keeping the
// raw bytes: each message is announced by onHead (method, url, headers or status) before any of
// its bytes, then its exact bytes (request line and headers included) follow through onBytes,
// then onComplete. After a message that upgrades the connection (Upgrade/CONNECT, or a 101
// response) the rest of the stream is raw and goes to onRaw. Parse errors throw.
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

// The JS parser keeps its read position in `offset` during callbacks (not in the .d.ts).
interface ParserInternals {
  offset: number;
}

export class HttpMessageSplitter {
  private readonly parser: InstanceType<typeof HTTPParser>;
  private held: Buffer[] = []; // bytes of a message whose head is not complete yet
  private head: MessageHead | undefined;
  private chunk: Buffer | undefined;
  private start = 0; // where the current message's unsent bytes begin in `chunk`
  private upgraded = false;

  constructor(kind: 'request' | 'response', private readonly handlers: SplitterHandlers) {
    this.parser = new HTTPParser(kind === 'request' ? HTTPParser.REQUEST : HTTPParser.RESPONSE);
    this.parser[HTTPParser.kOnHeadersComplete] = (info: HeaderInfo) => {
      const head: MessageHead = {
        method: typeof info.method === 'number' ? (HTTPParser.methods[info.method] ?? '') : '',
        url: info.url ?? '',
        rawHeaders: info.headers,
        statusCode: info.statusCode ?? 0,
        upgrade: info.upgrade,
      };
      this.head = head;
      const skipBody = this.handlers.onHead(head) === true;
      const at = this.position();
      const first = (this.chunk as Buffer).subarray(this.start, at); // inside execute: chunk is set
      this.held.push(first);
      this.handlers.onBytes(Buffer.concat(this.held));
      this.held = [];
      this.start = at;
      return skipBody ? 1 : 0;
    };
    this.parser[HTTPParser.kOnMessageComplete] = () => {
      const at = this.position();
      if (at > this.start) this.handlers.onBytes((this.chunk as Buffer).subarray(this.start, at));
      this.start = at;
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
      const ret = this.parser.execute(chunk, offset, chunk.length - offset);
      if (ret instanceof Error) throw new Error(`HTTP parse error: ${ret.message}`);
      offset += ret;
      if (this.upgraded) {
        this.start = offset;
        break;
      }
      if (ret === 0) break;
    }
    const rest = chunk.subarray(this.start);
    this.chunk = undefined;
    if (rest.length === 0) return;
    if (this.upgraded) this.handlers.onRaw(rest);
    else if (this.head) this.handlers.onBytes(rest);
    else this.held.push(rest);
  }

  /** The stream ended: completes a read-until-close body. */
  end(): void {
    this.parser.finish();
  }

  /** Bytes of a message received before its head was complete (for a fallback to raw). */
  takeHeld(): Buffer {
    const b = Buffer.concat(this.held);
    this.held = [];
    return b;
  }

  private position(): number {
    return (this.parser as unknown as ParserInternals).offset;
  }
}
