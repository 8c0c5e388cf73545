// Files of the target through the layer: listing a directory that only exists in the target's
// root (ls, Python os.listdir/os.scandir, static Go os.ReadDir — getdents64 and d_type on the fd
// the layer installs, stats of the entries from the target), and writes: local in read mode, in
// the target (checked inside its mount namespace) in write mode, also at exit without close().
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkstationSession, type WorkstationSession } from '#runtime/session/workstation-session.js';
import { connectAgent } from '#runtime/tunnel/agent-session.js';
import { startLocalAgent } from '#runtime/tunnel/local-agent.js';
import { appsDir, outDir, repoRoot } from './build-apps.js';
import { openReadSession } from './read-session.js';
import { createLayerTarget, parseKv, runToEnd, type LayerTarget } from './target-fixture.js';

let target: LayerTarget;
let session: WorkstationSession;
let goList: string;
/** TMPDIR of the programs: the layer's placeholder directories must be gone when they end. */
const scratch = mkdtempSync(join(tmpdir(), 'kmirror-layer-files-'));

beforeAll(async () => {
  mkdirSync(outDir, { recursive: true });
  goList = join(outDir, 'golist-static');
  execFileSync('go', ['build', '-o', goList, '.'], { cwd: join(appsDir, 'golist'), env: { ...process.env, CGO_ENABLED: '0' }, stdio: 'pipe' });
  target = await createLayerTarget();
  session = await openReadSession(target);
});

afterAll(async () => {
  await session?.close();
  target?.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

async function run(argv: string[]) {
  const r = await runToEnd(session.wrapCommand(argv, { env: { TMPDIR: scratch } }), { timeoutMs: 60_000, cwd: repoRoot });
  expect(r.timedOut, `timed out:\n${r.stdout}\n${r.stderr}`).toBe(false);
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

describe('remote directories', () => {
  it('the directory exists only in the target', () => {
    expect(existsSync(target.listingPath)).toBe(false);
  });

  it('ls lists the target directory (types from d_type and remote stats)', async () => {
    const r = await run(['ls', '-1', '-p', target.listingPath]);
    expect(r.stdout.trim().split('\n')).toEqual(['a.txt', 'link', 'sub/']);
    const long = await run(['ls', '-l', `${target.listingPath}/a.txt`]);
    expect(long.stdout).toMatch(/^-.* 6 .*a\.txt$/m);
  });

  it('Python os.listdir and os.scandir', async () => {
    const kv = parseKv((await run(['python3', join(appsDir, 'listdir.py'), target.listingPath])).stdout);
    expect(kv.listdir).toBe('a.txt,link,sub');
    expect(kv.scandir).toBe('a.txt:f,link:l,sub:d');
  });

  it('static Go os.ReadDir (open without O_DIRECTORY) and DirEntry.Info', async () => {
    const kv = parseKv((await run([goList, target.listingPath])).stdout);
    expect(kv.readdir).toBe('a.txt:f,link:l,sub:d');
    expect(kv['size.a.txt']).toBe('6');
  });

  it('a listing of a file is ENOTDIR, of a missing directory ENOENT', async () => {
    const r = await runToEnd(session.wrapCommand(['python3', '-c',
      `import os\nfor k, p in [('file', '${target.secretPath}'), ('missing', '${target.listingPath}/missing')]:\n  try: os.listdir(p)\n  except OSError as e: print(k + '=' + str(e.errno))`]), { timeoutMs: 30_000 });
    const kv = parseKv(r.stdout);
    expect(kv.file, r.stderr).toBe('20');
    expect(kv.missing, r.stderr).toBe('2');
  });

  it('the placeholder directories are removed when the programs end', () => {
    expect(readdirSync(scratch)).toEqual([]);
  });
});

/** A file's content as the target sees it (read inside its mount namespace), or undefined if absent. */
function inTarget(path: string): string | undefined {
  try {
    return execFileSync('nsenter', ['-t', String(target.pid), '-m', 'cat', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

describe('writes', () => {
  it('read mode: writes stay local (reads still come from the target)', async () => {
    const dir = target.writableDir;
    mkdirSync(dir);   // the same path on the workstation, removed below
    try {
      const kv = parseKv((await run(['python3', join(appsDir, 'writer.py'), dir])).stdout);
      expect(kv.log).toBe('line1|');   // read-only opens are the target's
      expect(inTarget(`${dir}/log.txt`)).toBe('line1\n');
      expect(inTarget(`${dir}/new.txt`)).toBeUndefined();
      expect(readFileSync(`${dir}/new.txt`, 'utf8')).toBe('created\n');
      expect(readFileSync(`${dir}/log.txt`, 'utf8')).toBe('appended\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('write mode: Python creates a file and appends to one in the target', async () => {
    const writer = await openWorkstationSession({
      config: { target: `pid/${target.pid}`, feature: { network: { incoming: 'off' }, fs: 'write' } },
      log: { log: () => undefined },
      cwd: repoRoot,
    });
    try {
      const dir = target.writableDir;
      const r = await runToEnd(writer.wrapCommand(['python3', join(appsDir, 'writer.py'), dir]), { timeoutMs: 60_000, cwd: repoRoot });
      expect(r.code, r.stderr).toBe(0);
      const kv = parseKv(r.stdout);
      expect(kv.existed).toBe('False');
      expect(kv.new).toBe('created|');
      expect(kv.log).toBe('line1|appended|');
      expect(inTarget(`${dir}/new.txt`)).toBe('created\n');
      expect(inTarget(`${dir}/log.txt`)).toBe('line1\nappended\n');
      expect(existsSync(dir)).toBe(false);

      // C stdio without fclose: the data reaches the target when the process exits.
      const c = join(outDir, 'writer-c');
      execFileSync('gcc', ['-O2', '-o', c, join(appsDir, 'writer.c')], { stdio: 'pipe' });
      const rc = await runToEnd(writer.wrapCommand([c, dir]), { timeoutMs: 60_000, cwd: repoRoot });
      expect(rc.code, rc.stderr).toBe(0);
      expect(inTarget(`${dir}/c.txt`)).toBe('from-c\n');
      expect(inTarget(`${dir}/log.txt`)).toBe('line1\nappended\nc-line\n');
      expect(writer.status().proxy.filesWritten).toBe(4);
    } finally {
      await writer.close();
    }
  });
});

describe('file writes through the tunnel (the agent file service)', () => {
  it('create, overwrite, append, write at an offset, truncate; O_EXCL and read-only handles refuse', async () => {
    const local = await startLocalAgent({ target: `pid/${target.pid}` });
    const agent = await connectAgent({ url: local.url, token: local.token });
    try {
      const path = `${target.writableDir}/tunnel.txt`;
      // Safe: the workstation client session implements the optional writeFile and write/truncate.
      await agent.writeFile!(path, Buffer.from('abc'));
      expect(inTarget(path)).toBe('abc');
      await agent.writeFile!(path, Buffer.from('def'), { append: true });
      expect(inTarget(path)).toBe('abcdef');
      const file = await agent.openFile(path, { write: true });
      expect(await file.write!(1, Buffer.from('X'))).toBe(6);
      expect(await file.truncate!(4)).toBe(4);
      expect((await file.read(0, 100)).toString()).toBe('aXcd');
      await file.close();
      await expect(agent.openFile(path, { write: true, create: true, exclusive: true })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      const readOnly = await agent.openFile(path);
      await expect(readOnly.write!(0, Buffer.from('no'))).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      expect(inTarget(path)).toBe('aXcd');
    } finally {
      await agent.close();
      await local.stop();
    }
  });
});
