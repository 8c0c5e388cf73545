// Builds a Go package for the target mode (the debuggee then starts under the layer and dlv
// attaches). The toolchain runs directly, never under the layer.
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import type { BackendContext } from '../backend.js';
import { DapError } from '../../common/errors.js';
import { isDirectory } from '../program-kind.js';
import { findExecutable } from '../find-executable.js';

/** Builds `program` into `output`; a client that reports progress sees it while `go build` runs (a first build can take a minute). */
export async function buildGoProgram(program: string, output: string, { sink, processes, clientCapabilities }: Pick<BackendContext, 'sink' | 'processes' | 'clientCapabilities'>): Promise<string> {
  const go = findExecutable(['go']);
  if (!go) throw new DapError('DEBUGGER_NOT_FOUND', 'the Go toolchain ("go") is needed to build the program; install Go or give the built binary as "program"');
  const dir = isDirectory(program) ? program : dirname(program);
  const target = isDirectory(program) ? '.' : program;
  sink.event('output', { category: 'console', output: `kmirror: go build ${program}\n` });
  const progressId = `kmirror-go-build-${Date.now()}`;
  const progress = clientCapabilities.supportsProgressReporting === true;
  if (progress) sink.event('progressStart', { progressId, title: 'kmirror: building the Go program', message: `go build ${target}`, cancellable: false });
  const started = Date.now();
  // A sign of life while a cold build runs (the module cache and the standard library compile first).
  const ticker = progress ? setInterval(() => sink.event('progressUpdate', { progressId, message: `go build ${target}: ${Math.round((Date.now() - started) / 1000)} s` }), 5_000) : undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      processes.own(execFile(go, ['build', '-gcflags=all=-N -l', '-o', output, target], { cwd: dir, timeout: 300_000, ...processes.spawnOptions }, (err, _stdout, stderr) => {
        if (err) reject(new DapError('BACKEND_FAILED', `go build failed: ${stderr.trim() || err.message}`));
        else resolve();
      }));
    });
  } finally {
    clearInterval(ticker);
    if (progress) sink.event('progressEnd', { progressId });
  }
  return output;
}
