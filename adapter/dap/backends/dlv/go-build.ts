// Builds a Go package for the target mode (the debuggee then starts under the layer and dlv
// attaches). The toolchain runs directly, never under the layer.
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import type { BackendContext } from '../backend.js';
import { DapError } from '../../common/errors.js';
import { isDirectory } from '../program-kind.js';
import { findExecutable } from '../find-executable.js';

export async function buildGoProgram(program: string, output: string, { sink, processes }: Pick<BackendContext, 'sink' | 'processes'>): Promise<string> {
  const go = findExecutable(['go']);
  if (!go) throw new DapError('DEBUGGER_NOT_FOUND', 'the Go toolchain ("go") is needed to build the program; install Go or give the built binary as "program"');
  const dir = isDirectory(program) ? program : dirname(program);
  const target = isDirectory(program) ? '.' : program;
  sink.event('output', { category: 'console', output: `kmirror: go build ${program}\n` });
  await new Promise<void>((resolve, reject) => {
    processes.own(execFile(go, ['build', '-gcflags=all=-N -l', '-o', output, target], { cwd: dir, timeout: 300_000, ...processes.spawnOptions }, (err, _stdout, stderr) => {
      if (err) reject(new DapError('BACKEND_FAILED', `go build failed: ${stderr.trim() || err.message}`));
      else resolve();
    }));
  });
  return output;
}
