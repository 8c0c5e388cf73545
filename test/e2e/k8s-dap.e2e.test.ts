// kmirror-dap against the project's test cluster: a local Node program and a local Go
// program (under dlv) are debugged with the Deployment as target; a request sent to the pod's
// Service is stolen to the local program and stops at a breakpoint in its request handler, where
// the pod's env is visible. Driven by `kmirror-dap run --json`, kmirror-dap's own DAP client.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace } from './harness/cluster.js';
import { createClientPod, deployApp, readyPodName, requestFromCluster, waitForNoKmirrorObjects } from './k8s/fixtures.js';
import { freePort } from '#test/harness/free-port.js';

const KMIRROR_DAP = resolve(fileURLToPath(import.meta.url), '../../../dist/kmirror-dap.js');
const MESSAGE = 'seen at the breakpoint';
let guard: ClusterGuard;
let core: CoreV1Api;
let ns: string;
let client: string;
let dir: string;

const NODE_APP = `const http = require('http');
http.createServer((req, res) => {
  const path = req.url;
  const message = process.env.MESSAGE;
  res.end(JSON.stringify({ path, message }));
}).listen(Number(process.argv[2])); // a kernel-picked port, mapped to the pod's 8080
`;
const GO_APP = `package main

import (
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		message := os.Getenv("MESSAGE")
		w.Write([]byte(path + " " + message))
	})
	http.ListenAndServe(":"+os.Args[1], nil) // a kernel-picked port, mapped to the pod's 8080
}
`;

interface Hit { event: 'hit'; file: string; line: number; values: Record<string, string> }

/** Runs kmirror-dap run until the first hit, sending requests to the Service until one stops there. */
async function debugUntilHit(args: string[], cwd: string, path: string): Promise<{ hit: Hit; end: Record<string, unknown>; output: string }> {
  const localPort = await freePort();
  writeFileSync(join(cwd, '.kmirror.json'), JSON.stringify({ target: { path: 'deploy/web', namespace: ns }, feature: { network: { incoming: { mode: 'steal', port_mapping: [[localPort, 8080]] } } } }));
  const child = spawn(process.execPath, [KMIRROR_DAP, 'run', '--json', '--config', '.kmirror.json', '--count', '1', '--timeout', '120', ...args, String(localPort)],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: KUBECONFIG_PATH } });
  let output = '';
  child.stdout.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { output += c.toString(); });
  const exited = new Promise<number>((res) => child.on('exit', (code) => res(code ?? -1)));
  let done = false;
  void exited.then(() => { done = true; });
  try {
    // Until the program listens and the steal is in place, the pod itself answers: keep asking.
    while (!done && !output.includes('"event":"hit"')) {
      await requestFromCluster(ns, client, `http://web${path}`, 2).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
    }
    const code = await Promise.race([exited, new Promise<number>((_, rej) => setTimeout(() => rej(new Error(`kmirror-dap did not end:\n${output}`)), 60_000))]);
    const events = output.split('\n').filter((l) => l.startsWith('{"event"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const hit = events.find((e) => e.event === 'hit') as Hit | undefined;
    const end = events.find((e) => e.event === 'end');
    if (!hit || !end) throw new Error(`no hit/end (exit ${code}):\n${output}`);
    return { hit, end, output };
  } finally {
    child.kill('SIGKILL');
  }
}

beforeAll(async () => {
  ({ guard, core, ns } = await openGuardedNamespace('kmt-dap'));
  await deployApp(guard.kc, ns, 'web', IMAGES.nodeHttp, MESSAGE);
  client = await createClientPod(core, ns);
  await readyPodName(core, ns, 'web');
  dir = mkdtempSync(join(tmpdir(), 'kmirror-e2e-dap-'));
  mkdirSync(join(dir, 'node'));
  writeFileSync(join(dir, 'node/server.js'), NODE_APP);
  mkdirSync(join(dir, 'go'));
  writeFileSync(join(dir, 'go/main.go'), GO_APP);
  writeFileSync(join(dir, 'go/go.mod'), 'module kmirror.test/goapp\n\ngo 1.21\n');
  execFileSync('go', ['build', '-gcflags=all=-N -l', '-o', 'app', '.'], { cwd: join(dir, 'go'), stdio: 'pipe', env: { ...process.env, CGO_ENABLED: '0' }, timeout: 180_000 });
}, 300_000);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (guard) await waitForNoKmirrorObjects(guard.kc, ns, 30_000).catch(() => undefined);
  await guard?.dispose();
});

describe('kmirror-dap with deploy/web as target', () => {
  it('stops a local Node program in its request handler on a request to the Service, with the pod env', async () => {
    const { hit, end } = await debugUntilHit(['--break', 'server.js:5', '--print', 'path', '--print', 'message', '--', 'node', 'server.js'], join(dir, 'node'), '/node-breakpoint');
    expect(hit).toMatchObject({ line: 5, values: { path: '"/node-breakpoint"', message: JSON.stringify(MESSAGE) } });
    expect(hit.file).toMatch(/server\.js$/);
    expect(end).toMatchObject({ reason: 'count', hits: 1 });
  });

  it('stops a local static Go program (dlv) in its request handler on a request to the Service, with the pod env', async () => {
    const { hit, end } = await debugUntilHit(['--debugger', 'go', '--break', 'main.go:12', '--print', 'path', '--print', 'message', '--', './app'], join(dir, 'go'), '/go-breakpoint');
    expect(hit.line).toBe(12);
    expect(hit.values.path).toContain('/go-breakpoint');
    expect(hit.values.message).toContain(MESSAGE);
    expect(end).toMatchObject({ reason: 'count', hits: 1 });
  });
});
