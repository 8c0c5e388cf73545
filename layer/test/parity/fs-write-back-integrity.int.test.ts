// No file content lost on write-back (issue 14, item 2): a real program writes several MiB of
// random bytes to a path the config lets the target write (`read_write` pattern, `write` mode)
// and exits at once — without closing the file (the exit itself writes it back), or through a
// pipeline that closes it — and `kmirror exec` ends the session right behind it. The file in the
// target (a tmpfs only the target's mount namespace has) must have the byte count and sha256
// the program printed for what it wrote, and the workstation must have no such file.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { execToEnd } from './kmirror-exec.js';
import { startTarget } from './target.js';

const DIR = '/mnt/out';
const SIZE = 6 * 1024 * 1024;
let ns: TestNetns;
let targetPid: number;

// Writes SIZE random bytes in 64 KiB writes, prints "<length> <sha256>", exits without a close.
const PY_EXIT_UNCLOSED = `import hashlib, os, sys
f = open(sys.argv[1], 'wb', buffering=0)
h, n = hashlib.sha256(), int(sys.argv[2])
for _ in range(n // 65536):
    b = os.urandom(65536); f.write(b); h.update(b)
print(n, h.hexdigest(), flush=True)
os._exit(0)
`;
// coreutils: tee writes the target file and closes it; sha256sum hashes the same stream.
const SH_TEE = 'head -c "$2" /dev/urandom | tee "$1" | sha256sum | { read sha _; echo "$2 $sha"; }';

beforeAll(async () => {
  requireRoot();
  ns = createNetns();
  targetPid = await startTarget(ns, `mount -t tmpfs -o size=64m kmirror-wb /mnt && mkdir ${DIR}`);
});

afterAll(() => ns?.cleanup());

function inTarget(name: string): { length: number; sha: string } {
  const bytes = readFileSync(`/proc/${targetPid}/root${DIR}/${name}`);
  return { length: bytes.length, sha: createHash('sha256').update(bytes).digest('hex') };
}

describe('remote file write-back: the target gets every byte while the session ends', () => {
  const cases: Array<[string, string, object, (path: string) => string[]]> = [
    ['Python writes and exits without closing (read_write pattern)', 'py', { mode: 'read', read_write: [`^${DIR}(/|$)`] },
      (p) => ['python3', '-c', PY_EXIT_UNCLOSED, p, String(SIZE)]],
    ['coreutils tee writes and closes, the pipeline exits (write mode)', 'sh', { mode: 'write' },
      (p) => ['sh', '-c', SH_TEE, 'sh', p, String(SIZE)]],
  ];
  for (const [name, tag, fs, argv] of cases) {
    it(name, async () => {
      const r = await execToEnd({ target: `pid/${targetPid}`, argv: argv(`${DIR}/${tag}.bin`), config: { feature: { fs, network: { incoming: 'off' } } } });
      expect(r.code, r.stderr).toBe(0);
      const [length, sha] = r.stdout.trim().split('\n').pop()!.split(' ');
      expect(inTarget(`${tag}.bin`)).toEqual({ length: Number(length), sha });
      expect(Number(length)).toBe(SIZE);
      expect(existsSync(`${DIR}/${tag}.bin`)).toBe(false);   // nothing on the workstation
    });
  }
});
