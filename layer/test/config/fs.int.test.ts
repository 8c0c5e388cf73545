// feature.fs under `kmirror exec`: one path exists on the workstation and, with other content, in
// the target (a tmpfs over /mnt in the target's mount namespace); each mode and pattern list decides
// whether a program reads the workstation's file, the target's, or none, and where a new file it
// writes lands (checked from outside through /proc/PID/root). C (cat, sh), Python, Node and static Go.
// config-keys: feature.fs, feature.fs.mode, feature.fs.read_only, feature.fs.read_write, feature.fs.local, feature.fs.not_found
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { buildGoStatic } from '../parity/build.js';
import { execToEnd } from '../parity/kmirror-exec.js';
import { startTarget } from '../parity/target.js';

const DIR = `/mnt/kmt-cfg-fs-${process.pid}`;
const FILE = `${DIR}/settings.txt`;
const FILE_RE = `^${DIR}/settings\\.txt$`;
let ns: TestNetns;
let targetPid: number;
let goStatic: string;

beforeAll(async () => {
  requireRoot();
  goStatic = buildGoStatic('cfgprobe');
  mkdirSync(DIR, { recursive: true });
  writeFileSync(FILE, 'workstation\n');
  ns = createNetns();
  targetPid = await startTarget(ns, `mount -t tmpfs kmt-cfg-fs /mnt && mkdir -p ${DIR} && echo target > ${FILE}`);
});

afterAll(() => {
  ns?.cleanup();
  rmSync(DIR, { recursive: true, force: true });
});

type Lang = 'C' | 'Python' | 'Node' | 'static Go';
const READ: Record<Lang, (p: string) => string[]> = {
  C: (p) => ['sh', '-c', 'cat "$1" 2>/dev/null || echo not-found', 'sh', p],
  Python: (p) => ['python3', '-c', 'import sys\ntry: print(open(sys.argv[1]).read(), end="")\nexcept FileNotFoundError: print("not-found")', p],
  Node: (p) => [process.execPath, '-e', 'try { process.stdout.write(require("fs").readFileSync(process.argv[1], "utf8")) } catch (e) { if (e.code !== "ENOENT") throw e; console.log("not-found") }', p],
  'static Go': (p) => [goStatic, 'read', p],
};
const WRITE: Record<Lang, (p: string) => string[]> = {
  C: (p) => ['sh', '-c', 'echo written > "$1"', 'sh', p],
  Python: (p) => ['python3', '-c', 'import sys; open(sys.argv[1], "w").write("written\\n")', p],
  Node: (p) => [process.execPath, '-e', 'require("fs").writeFileSync(process.argv[1], "written\\n")', p],
  'static Go': (p) => [goStatic, 'write', p, 'written\n'],
};

async function run(fs: unknown, argv: string[]): Promise<string> {
  const r = await execToEnd({ target: `pid/${targetPid}`, argv, config: { feature: { fs, network: { incoming: 'off' } } } });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

const reads: Array<[string, unknown, Lang, 'workstation' | 'target' | 'not-found']> = [
  ['no fs setting (mode read)', undefined, 'C', 'target'],
  ['feature.fs: true (read)', true, 'Node', 'target'],
  ['mode read', { mode: 'read' }, 'static Go', 'target'],
  ['mode write', { mode: 'write' }, 'Python', 'target'],
  ['feature.fs: false (local)', false, 'Python', 'workstation'],
  ['feature.fs: "local"', 'local', 'static Go', 'workstation'],
  ['mode local', { mode: 'local' }, 'C', 'workstation'],
  ['mode localwithoverrides, no list', { mode: 'localwithoverrides' }, 'Node', 'workstation'],
  ['localwithoverrides + read_only', { mode: 'localwithoverrides', read_only: [FILE_RE] }, 'static Go', 'target'],
  ['localwithoverrides + read_write (";"-string)', { mode: 'localwithoverrides', read_write: `${FILE_RE};^/nothing$` }, 'Python', 'target'],
  ['mode read + local', { mode: 'read', local: [FILE_RE] }, 'C', 'workstation'],
  ['mode read + not_found', { mode: 'read', not_found: [FILE_RE] }, 'static Go', 'not-found'],
  ['localwithoverrides + not_found', { mode: 'localwithoverrides', not_found: FILE_RE }, 'Node', 'not-found'],
  ['not_found wins over read_write', { mode: 'write', read_write: [FILE_RE], not_found: [FILE_RE] }, 'Python', 'not-found'],
  ['local wins over read_only', { mode: 'localwithoverrides', read_only: [FILE_RE], local: [FILE_RE] }, 'Node', 'workstation'],
];

describe('which file a program reads', () => {
  for (const [name, fs, lang, expected] of reads) {
    it(`${name}: ${expected} (${lang})`, async () => {
      expect(await run(fs, READ[lang](FILE))).toBe(expected === 'not-found' ? 'not-found' : expected);
    });
  }
});

const writes: Array<[string, (re: string) => unknown, Lang, 'workstation' | 'target']> = [
  ['mode write', () => ({ mode: 'write' }), 'static Go', 'target'],
  ['mode read + read_write', (re) => ({ mode: 'read', read_write: [re] }), 'Python', 'target'],
  ['localwithoverrides + read_write', (re) => ({ mode: 'localwithoverrides', read_write: [re] }), 'C', 'target'],
  ['mode read', () => ({ mode: 'read' }), 'Node', 'workstation'],
  ['localwithoverrides + read_only', (re) => ({ mode: 'localwithoverrides', read_only: [re] }), 'Python', 'workstation'],
  ['mode local', () => 'local', 'C', 'workstation'],
];

describe('where a new file a program writes lands', () => {
  for (const [i, [name, fs, lang, expected]] of writes.entries()) {
    it(`${name}: ${expected} (${lang})`, async () => {
      const path = `${DIR}/written-${i}.txt`;
      await run(fs(`^${DIR}/written-${i}\\.txt$`), WRITE[lang](path));
      const inTarget = `/proc/${targetPid}/root${path}`;
      expect({ workstation: existsSync(path), target: existsSync(inTarget) })
        .toEqual({ workstation: expected === 'workstation', target: expected === 'target' });
      expect(readFileSync(expected === 'target' ? inTarget : path, 'utf8')).toBe('written\n');
    });
  }
});
