// Builds a Go package for the target mode (the debuggee then starts under the layer and dlv
// attaches). The toolchain runs directly, never under the layer.
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import type { BackendSink } from '../backend.js';
import { DapError } from '../../server/errors.js';
import { OWNED_SPAWN_OPTIONS, ownProcess } from '../../server/process-lifetime.js';
import { isDirectory } from '../program-kind.js';
import { findExecutable } from '../find-executable.js';

export async function buildGoProgram(program: string, output: string, sink: BackendSink): Promise<string> {
  const go = findExecutable(['go']);
  if (!go) throw new DapError('DEBUGGER_NOT_FOUND', 'the Go toolchain ("go") is needed to build the program; install Go or give the built binary as "program"');
  const dir = isDirectory(program) ? program : dirname(program);
  const target = isDirectory(program) ? '.' : program;
  sink.event('output', { category: 'console', output: `kmirror: go build ${program}\n` });
  await new Promise<void>((resolve, reject) => {
    ownProcess(execFile(go, ['build', '-gcflags=all=-N -l', '-o', output, target], { cwd: dir, timeout: 300_000, ...OWNED_SPAWN_OPTIONS }, (err, _stdout, stderr) => {
      if (err) reject(new DapError('BACKEND_FAILED', `go build failed: ${stderr.trim() || err.message}`));
      else resolve();
    }));
  });
  return output;
}
