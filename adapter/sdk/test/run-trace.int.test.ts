// `kmirror-dap run --trace dns,tcp --json` with a local target (layer/test/target-fixture.ts: its
// DNS server alone knows the name): the program resolves the name and connects to it under the
// layer, and the JSON stream carries the target's DNS query/answer and connect as
// {"event":"trace",...} lines beside the logpoint's output and the closing {"event":"end"}.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLayerTarget, type LayerTarget } from '../../../layer/test/target-fixture.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dapBundle = join(root, 'dist/kmirror-dap.js');
const program = join(root, 'adapter/dap/test/fixtures/py/trace_client.py');
let target: LayerTarget;

beforeAll(async () => {
  if (!existsSync(dapBundle)) throw new Error('dist/kmirror-dap.js missing: run bash scripts/build.sh');
  target = await createLayerTarget();
});

afterAll(() => target?.cleanup());

describe('kmirror-dap run --trace', () => {
  it('prints the target\'s DNS lookup and connect of the program as trace lines', { timeout: 120_000 }, async () => {
    const child = spawn(process.execPath, [dapBundle, 'run', '--target', `pid/${target.pid}`, '--trace', 'dns,tcp', '--json',
      '--log', `${program}:10:resolved`, '--timeout', '90', '--', 'python3', program, target.dnsName, String(target.httpPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    const trace = lines.filter((l) => l.event === 'trace');
    expect(trace.find((e) => e.gadget === 'dns' && e.kind === 'query' && e.name === target.dnsName), stdout).toBeDefined();
    expect(trace.find((e) => e.gadget === 'dns' && e.kind === 'answer' && e.name === target.dnsName)?.answers)
      .toContainEqual(expect.objectContaining({ type: 'A', data: target.podIp }));
    expect(trace.find((e) => e.gadget === 'tcp' && e.kind === 'connect' && e.remote?.port === target.httpPort), stdout)
      .toMatchObject({ remote: { address: target.podIp } });
    expect(lines.at(-1)).toMatchObject({ event: 'end', reason: 'exited', exitCode: 0 });
  });
});
