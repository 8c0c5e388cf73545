// Idle exit of an in-cluster agent (`--idle-exit SECONDS`): the agent ends when no client has
// been connected for the grace period — also counted from start-up — so a client killed with
// -9 leaves no agent (and, through the Job's TTL, no Job) behind. The grace period must exceed
// a client's reconnect time after a dropped port-forward.

export interface IdleExitOptions {
  /** Live client connections right now (AgentServer.clientCount). */
  clientCount: () => number;
  graceMs: number;
  /** Grace once a client has been connected and the last one left (a shared local agent: short); default graceMs. */
  afterLastClientMs?: number;
  /** Clients connected since start-up (AgentServer.clientsSeen): one that came and went between two looks still counts. */
  clientsSeen?: () => number;
  /** Called once when the grace period has passed with no client. */
  onIdle: (idleMs: number) => void;
  /** How often to look; default min(1 s, grace / 4). */
  checkEveryMs?: number;
  now?: () => number;
}

/** Starts the idle watch; returns a function that stops it. */
export function startIdleExit(opts: IdleExitOptions): () => void {
  const now = opts.now ?? Date.now;
  let idleSince: number | undefined = now();
  let fired = false;
  let hadClient = false;
  const timer = setInterval(() => {
    if (fired) return;
    if (opts.clientCount() > 0) { idleSince = undefined; hadClient = true; return; }
    hadClient ||= (opts.clientsSeen?.() ?? 0) > 0;
    idleSince ??= now();
    const idle = now() - idleSince;
    if (idle >= (hadClient ? opts.afterLastClientMs ?? opts.graceMs : opts.graceMs)) {
      fired = true;
      clearInterval(timer);
      opts.onIdle(idle);
    }
  }, opts.checkEveryMs ?? Math.max(50, Math.min(1000, Math.min(opts.graceMs, opts.afterLastClientMs ?? opts.graceMs) / 4)));
  timer.unref();
  return () => clearInterval(timer);
}

/** Parses the `--idle-exit` value (seconds, > 0); throws a clear message otherwise. */
export function parseIdleExitSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) throw new Error(`--idle-exit expects a number of seconds > 0, got "${value}"`);
  return n;
}
