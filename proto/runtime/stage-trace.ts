// Per-connect stage timestamps for the benchmarks: KMIRROR_STAGE_TRACE=FILE makes the proxy and
// the agent record "<CLOCK_MONOTONIC ns> <stage> <pid>" lines (process.hrtime is CLOCK_MONOTONIC,
// the clock the layer's supervisor writes too, layer/src/stage_trace.c), so bench/layer.ts can
// line up one connect's path across the three processes. Off (the default) a mark is one branch.
import { appendFileSync } from 'node:fs';

let file: string | undefined;
let flushing = false;
const lines: string[] = [];

function flush(): void {
  if (!file || lines.length === 0) return;
  try {
    appendFileSync(file, lines.splice(0).join(''));
  } catch { /* a benchmark aid: never disturbs the data path */ }
}

/** Starts (a path) or stops (undefined) recording; the env var starts it at load. */
export function traceStagesTo(path: string | undefined): void {
  flush();
  if (path && !flushing) {
    flushing = true;
    // Written in batches off the path being measured, and at exit.
    setInterval(flush, 200).unref();
    process.on('exit', flush);
  }
  file = path || undefined;
}

traceStagesTo(process.env.KMIRROR_STAGE_TRACE);

/** True while stages are recorded: guards marks that would need extra listeners. */
export function stageTracing(): boolean {
  return file !== undefined;
}

/** Records that `stage` was reached now (no-op unless tracing). */
export function markStage(stage: string): void {
  if (file) lines.push(`${process.hrtime.bigint()} ${stage} ${process.pid}\n`);
}
