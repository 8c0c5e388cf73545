// Gives memory back once bulk traffic is over. Every relayed chunk is a Buffer outside the JS heap:
// young collections leave them for a full GC that an idle agent never runs, and glibc keeps what is
// freed in its heaps, so after a large transfer the agent would stay near its peak (≈ +50 MB after
// 256 MB relayed). When the tunnels have moved at least `minBytes` since the last release and then
// nothing for a whole check period, the agent runs a full collection and, a little later (once the
// buffers' memory was freed), returns the free heap pages to the OS.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * V8's full gc() without --expose-gc on the command line (the agent image runs plain
 * `node kmirror-agent.js`); the function is not put on the agent's global object.
 */
export function fullGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export interface MemoryReleaseOptions {
  /** Bytes moved by every tunnel connection so far (tunnelBytesMoved). */
  bytesMoved: () => number;
  /** Full garbage collection (fullGc()). */
  collect: () => void;
  /** Returns free malloc pages to the OS (native trimHeap). */
  trim: () => void;
  /** Traffic since the last release that makes a release worth its cost (a full GC: a few ms). Default 16 MB. */
  minBytes?: number;
  /** How often to look; a release needs one whole quiet period. Default 1 s. */
  checkEveryMs?: number;
  /** Delay between the collection and the trim. Default 200 ms. */
  trimDelayMs?: number;
  /** Told after each release, with the bytes moved since the previous one. */
  onRelease?: (movedBytes: number) => void;
}

/** Starts the watch; returns a function that stops it. */
export function startMemoryRelease(opts: MemoryReleaseOptions): () => void {
  const minBytes = opts.minBytes ?? 16 * 1024 * 1024;
  let releasedAt = opts.bytesMoved();
  let lastSeen = releasedAt;
  let trimTimer: NodeJS.Timeout | undefined;
  const timer = setInterval(() => {
    const moved = opts.bytesMoved();
    const quiet = moved === lastSeen;
    lastSeen = moved;
    if (!quiet || moved - releasedAt < minBytes) return;
    const since = moved - releasedAt;
    releasedAt = moved;
    opts.collect();
    trimTimer = setTimeout(() => {
      opts.trim();
      opts.onRelease?.(since);
    }, opts.trimDelayMs ?? 200);
    trimTimer.unref();
  }, opts.checkEveryMs ?? 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    clearTimeout(trimTimer);
  };
}
