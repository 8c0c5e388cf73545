// Layer benchmark (not a test): what the seccomp layer adds, against baselines from the same run.
//   1. cost per trapped call: openat+read+close and stat of a local path (trap, decide locally,
//      continue; the preload fast path off), plain vs under the layer, and the same calls through
//      the preload fast path (kmirror-fastpath.so: not trapped at all);
//   2. a remote file open (proxy round trip + agent read + memfd answer) vs a local open;
//   3. file-heavy start-ups (Python importing many stdlib modules, Node requiring a large package
//      tree) plain vs under the layer: the overhead a program pays for everything it does NOT
//      send to the target;
//   4. connect latency to a service in the target: from the host straight into the namespace vs
//      through the layer (proxy + agent), per connection (connect, request, first byte, close);
//   5. the write-mode hot path: a session writing in the target also traps close (to write remote
//      files back); openat+read+close of a local path there vs in a read-mode session.
// Needs root (a network namespace target). Prints figures and ratios; asserts nothing.
// KMIRROR_BENCH_SECTIONS=4 (a comma list) runs only those sections. Section 4 also prints a stage
// table of one traced run (KMIRROR_STAGE_TRACE: the supervisor, proxy and agent timestamp each stage).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { traceStagesTo } from '#proto/runtime/stage-trace.js';
import { printStageTable } from './layer/stage-table.js';
import { openWorkstationSession } from '#runtime/session/workstation-session.js';
import { createLayerTarget } from '../layer/test/target-fixture.js';

const root = process.cwd();
const out = join(root, 'build/bench');
mkdirSync(out, { recursive: true });
for (const name of ['openloop', 'connectloop']) execFileSync('gcc', ['-O2', '-o', join(out, name), join(root, `bench/layer/${name}.c`)]);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (x: number, d = 2): string => x.toFixed(d);

// Asynchronous on purpose: the local proxy runs in this process and must keep answering.
const run = promisify(execFile);

async function time(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = process.hrtime.bigint();
  await run(cmd, args, { env, maxBuffer: 1 << 24 });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Medians of `a` and `b` run alternately n times (so load drift on the machine hits both). */
async function interleaved(n: number, a: () => Promise<number>, b: () => Promise<number>): Promise<[number, number]> {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) { xs.push(await a()); ys.push(await b()); }
  return [median(xs), median(ys)];
}

const sections = new Set((process.env.KMIRROR_BENCH_SECTIONS ?? '1,2,3,4,5').split(',').map(Number));
console.log(`layer bench: load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (shared machine: figures are medians of alternating runs)`);
const target = await createLayerTarget();

/**
 * One traced run of connectloop in its own session (tracing on in the layer, proxy and agent): the
 * stage table. It uses a target of its own: local agents are shared per target, and the untraced
 * session of the other sections would otherwise lend it an agent started without tracing.
 */
async function connectStages(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kmirror-stages-'));
  const file = join(dir, 'stages.log');
  const own = await createLayerTarget();
  process.env.KMIRROR_STAGE_TRACE = file;   // the session's agent inherits it
  traceStagesTo(file);                        // the proxy runs in this process
  try {
    const traced = await openWorkstationSession({ config: { target: `pid/${own.pid}`, feature: { network: { incoming: 'off' } } }, log: { log: () => undefined }, cwd: root });
    try {
      const w = traced.wrapCommand([join(out, 'connectloop'), own.podIp, String(own.httpPort), '200'], { env: { KMIRROR_STAGE_TRACE: file } });
      const perConnect = Number((await run(w.command, w.args, { env: w.env, encoding: 'utf8' })).stdout.trim());
      await traced.close();                      // the agent flushes its marks when it exits
      traceStagesTo(undefined);
      console.log(`   traced run: ${fmt(perConnect, 0)} µs per connection (tracing adds a little)`);
      printStageTable(file);
    } finally {
      await traced.close();
    }
  } finally {
    delete process.env.KMIRROR_STAGE_TRACE;
    traceStagesTo(undefined);
    own.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}
const session = await openWorkstationSession({ config: { target: `pid/${target.pid}`, feature: { network: { incoming: 'off' } } }, log: { log: () => undefined }, cwd: root });
try {
  const plain = (argv: string[]) => ({ command: argv[0]!, args: argv.slice(1), env: process.env });
  const layered = (argv: string[]) => session.wrapCommand(argv);
  const trapped = (argv: string[]) => session.wrapCommand(argv, { env: { KMIRROR_LAYER_FASTPATH: '0' } });
  const figure = async (w: { command: string; args: string[]; env: NodeJS.ProcessEnv }): Promise<number> =>
    Number((await run(w.command, w.args, { env: w.env, encoding: 'utf8' })).stdout.trim());
  const runs = 7;

  let addedPerCall = 0;
  if (sections.has(1)) {
    console.log('1. trapped call, local path (µs per iteration, median of 7 runs, plain and layer alternating)');
    for (const [op, path, n] of [['open', '/etc/passwd', 20000], ['stat', '/usr/bin/env', 20000]] as const) {
      const [base, lay] = await interleaved(runs, () => figure(plain([join(out, 'openloop'), op, path, String(n)])),
        () => figure(trapped([join(out, 'openloop'), op, path, String(n)])));
      const fastRuns: number[] = [];
      for (let i = 0; i < 3; i++) fastRuns.push(await figure(layered([join(out, 'openloop'), op, path, String(n)])));
      const fast = median(fastRuns);
      console.log(`   ${op} ${path}: plain ${fmt(base)} µs, layer ${fmt(lay)} µs, added ${fmt(lay - base)} µs per trapped call (x${fmt(lay / base)});` +
        ` preload fast path ${fmt(fast)} µs (added ${fmt(fast - base)} µs)`);
      addedPerCall = Math.max(addedPerCall, lay - base);
    }
  }

  if (sections.has(2)) {
    console.log('2. remote file open (/etc/hosts from the target, memfd answer) vs the same open plain (µs)');
    const [localOpen, remoteOpen] = await interleaved(runs, () => figure(plain([join(out, 'openloop'), 'open', '/etc/hosts', '2000'])),
      () => figure(layered([join(out, 'openloop'), 'open', '/etc/hosts', '2000'])));
    console.log(`   plain ${fmt(localOpen)} µs, through the layer ${fmt(remoteOpen)} µs (added ${fmt(remoteOpen - localOpen)} µs)`);
  }

  if (sections.has(3)) {
    console.log('3. file-heavy start-up (ms, median of 11 runs, plain and layer alternating)');
    const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    const py = [python, '-c', 'import json, email.mime.multipart, http.client, urllib.request, asyncio, decimal, xml.etree.ElementTree, sqlite3, unittest, argparse, logging.handlers, csv, zipfile, tarfile, uuid'];
    const nodeReq = [process.execPath, '-e', "require('@kubernetes/client-node'); require('protobufjs'); require('ws')"];
    for (const [name, argv] of [['python3 (15 stdlib packages)', py], ['node (@kubernetes/client-node + protobufjs + ws)', nodeReq]] as const) {
      const [cmd, ...rest] = argv;   // both argv literals above are non-empty: cmd! is safe
      await time(cmd!, rest, process.env); // warm the page cache
      const w = layered([...argv]);
      const [base, lay] = await interleaved(11, () => time(cmd!, rest, process.env), () => time(w.command, w.args, w.env));
      // The trapped calls of one start-up (LayerStats sent to the proxy when the tree ends).
      const before = session.status().proxy.layerStats.notifications ?? 0;
      await time(w.command, w.args, w.env);
      await new Promise((r) => setTimeout(r, 200));
      const calls = (session.status().proxy.layerStats.notifications ?? 0) - before;
      const estimate = (calls * addedPerCall) / 1000;
      console.log(`   ${name}: plain ${fmt(base, 1)} ms, layer ${fmt(lay, 1)} ms, measured overhead ${fmt((lay / base - 1) * 100, 1)} %;` +
        ` ${calls} trapped calls x ${fmt(addedPerCall)} µs = ${fmt(estimate, 1)} ms, estimated overhead ${fmt((estimate / base) * 100, 1)} %`);
    }

  }

  if (sections.has(4)) {
    console.log('4. connect latency to the target service (µs per connection: connect + request + first byte + close)');
    const [direct, viaLayer] = await interleaved(5, () => figure(plain([join(out, 'connectloop'), target.podIp, String(target.httpPort), '200'])),
      () => figure(layered([join(out, 'connectloop'), target.podIp, String(target.httpPort), '200'])));
    console.log(`   direct from the host ${fmt(direct, 0)} µs, through the layer ${fmt(viaLayer, 0)} µs, added ${fmt(viaLayer - direct, 0)} µs (x${fmt(viaLayer / direct)})`);
    await connectStages();
  }

  if (sections.has(5)) {
    console.log('5. write mode: openat+read+close of /etc/passwd (µs per iteration; close is trapped too)');
    const writer = await openWorkstationSession({ config: { target: `pid/${target.pid}`, feature: { network: { incoming: 'off' }, fs: 'write' } }, log: { log: () => undefined }, cwd: root });
    try {
      const loop = [join(out, 'openloop'), 'open', '/etc/passwd', '20000'];
      const [readMode, writeMode] = await interleaved(runs, () => figure(layered(loop)), () => figure(writer.wrapCommand(loop)));
      console.log(`   read mode ${fmt(readMode)} µs, write mode ${fmt(writeMode)} µs: a trapped close adds ${fmt(writeMode - readMode)} µs`);
    } finally {
      await writer.close();
    }
  }
} finally {
  await session.close();
  target.cleanup();
}
