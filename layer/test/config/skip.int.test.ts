// skip_processes and skip_build_tools under `kmirror exec`: a skipped executable's own system calls
// are the workstation's (hostname, files) while a child it starts is changed as usual. The target
// has its own hostname and its own copy of one path (a tmpfs over /mnt in its mount namespace).
// Python starting coreutils `uname`; a static Go program reading a file; GNU make reading a
// makefile that exists on both sides.
// config-keys: skip_processes, skip_build_tools
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { buildGoStatic } from '../parity/build.js';
import { execToEnd } from '../parity/kmirror-exec.js';
import { startTarget } from '../parity/target.js';

const DIR = `/mnt/kmt-cfg-skip-${process.pid}`;
const MAKEFILE = `${DIR}/build.mk`;
const PARENT = 'import socket, subprocess\nprint("parent", socket.gethostname(), flush=True)\nsubprocess.run(["uname", "-n"], check=True)';
let ns: TestNetns;
let targetPid: number;
let podName: string;
let pythonExe: string;
let goStatic: string;

beforeAll(async () => {
  requireRoot();
  goStatic = buildGoStatic('cfgprobe');
  // The executable the layer sees for `python3` (pyenv and Debian both end at python3.X).
  pythonExe = execFileSync('python3', ['-c', 'import os; print(os.readlink("/proc/self/exe"))'], { encoding: 'utf8' }).trim();
  mkdirSync(DIR, { recursive: true });
  writeFileSync(MAKEFILE, 'all:\n\t@echo makefile=workstation\n');
  ns = createNetns();
  podName = `api-5c8d-${ns.name.replace(/[^a-z0-9]/g, '')}`.slice(0, 60);
  targetPid = await startTarget(ns, `mount -t tmpfs kmt-cfg-skip /mnt && mkdir -p ${DIR} && printf 'all:\\n\\t@echo makefile=target\\n' > ${MAKEFILE}`
    + ` && echo ${podName} > /mnt/hostname && mount --bind /mnt/hostname /etc/hostname`);
});

afterAll(() => {
  ns?.cleanup();
  rmSync(DIR, { recursive: true, force: true });
});

async function run(config: object, argv: string[]): Promise<string[]> {
  const r = await execToEnd({ target: `pid/${targetPid}`, argv, config: { ...config, feature: { network: { incoming: 'off' } } } });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split('\n');
}

describe('skip_processes', () => {
  it('not set: the Python parent and its uname child both see the target', async () => {
    expect(await run({}, ['python3', '-c', PARENT])).toEqual([`parent ${podName}`, podName]);
  });

  it('the executable\'s name (list): the Python parent sees the workstation, its uname child the target', async () => {
    expect(await run({ skip_processes: [basename(pythonExe)] }, ['python3', '-c', PARENT])).toEqual([`parent ${hostname()}`, podName]);
  });

  it('the executable\'s path (";"-separated string): the same', async () => {
    expect(await run({ skip_processes: `not-this-one;${pythonExe}` }, ['python3', '-c', PARENT])).toEqual([`parent ${hostname()}`, podName]);
  });

  it('a static Go executable by name: its file reads are the workstation\'s; not listed, the target\'s', async () => {
    expect(await run({ skip_processes: [basename(goStatic)] }, [goStatic, 'read', MAKEFILE])).toEqual(['all:', '\t@echo makefile=workstation']);
    expect(await run({}, [goStatic, 'read', MAKEFILE])).toEqual(['all:', '\t@echo makefile=target']);
  });

  it('the child\'s name: the parent sees the target, the skipped uname the workstation', async () => {
    expect(await run({ skip_processes: ['uname'] }, ['python3', '-c', PARENT])).toEqual([`parent ${podName}`, hostname()]);
    expect(hostname()).not.toBe(podName);
  });
});

describe('skip_build_tools', () => {
  it('default (on): make reads the workstation\'s makefile', async () => {
    expect(await run({}, ['make', '-s', '-f', MAKEFILE])).toEqual(['makefile=workstation']);
  });

  it('true: the same', async () => {
    expect(await run({ skip_build_tools: true }, ['make', '-s', '-f', MAKEFILE])).toEqual(['makefile=workstation']);
  });

  it('false: make is changed like any program and reads the target\'s makefile', async () => {
    expect(await run({ skip_build_tools: false }, ['make', '-s', '-f', MAKEFILE])).toEqual(['makefile=target']);
  });

  it('false, make listed in skip_processes: the workstation\'s again', async () => {
    expect(await run({ skip_build_tools: false, skip_processes: 'make' }, ['make', '-s', '-f', MAKEFILE])).toEqual(['makefile=workstation']);
  });
});
