// Programs written the way mirrord's own e2e apps are (metalbear-co/mirrord tests/node-e2e), with
// mirrord's own configs, against a Deployment on the test cluster: a DNS lookup of a Service's
// short name and an outgoing request to it (remote_dns/test_remote_dns_lookup_pod_service.mjs,
// outgoing/test_outgoing_traffic_single_request.mjs), and a steal with mirrord's
// tests/configs/http_filter_header.json reached by a client that writes "X-Filter: yes" (as Go's
// net/http does): only that request reaches the local program.
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterGuard, IMAGES, openGuardedNamespace } from './harness/cluster.js';
import { execInPod } from './harness/pods.js';
import { createClientPod, deployApp, readyPodName } from './k8s/fixtures.js';
import { startKmirrorExec, stopRuns, type ExecRun } from './k8s/kmirror-exec.js';
import { freePort } from '#test/harness/free-port.js';

let guard: ClusterGuard;
let kc: KubeConfig;
let core: CoreV1Api;
let ns: string;
let client: string;
const runs: ExecRun[] = [];

beforeAll(async () => {
  ({ guard, kc, core, ns } = await openGuardedNamespace('kmt-mirrord'));
  await deployApp(kc, ns, 'web', IMAGES.nodeHttp, 'the pod');
  await deployApp(kc, ns, 'http-echo', IMAGES.goHttp, 'echo service');
  client = await createClientPod(core, ns);
  await readyPodName(core, ns, 'web');
  await readyPodName(core, ns, 'http-echo');
}, 300_000);

afterEach(() => stopRuns(runs));

afterAll(async () => { await guard?.dispose(); });

function exec(config: Record<string, unknown>, argv: string[], env?: Record<string, string>): ExecRun {
  const run = startKmirrorExec({ target: { path: 'deploy/web', namespace: ns }, ...config }, argv, env);
  runs.push(run);
  return run;
}

// mirrord's node-e2e app shape: answers with the method, prints "<METHOD>: Request completed".
const APP = `require('http').createServer((q, r) => { console.log(q.method + ': Request completed ' + q.url); r.end(q.method); })
  .listen(Number(process.env.PORT), () => console.log('listening'));`;

// From the client pod: one request with the given headers; prints the body.
const REQUEST = `const [url, method, headers] = process.argv.slice(1);
const req = require('http').request(url, { method, headers: JSON.parse(headers), timeout: 5000 }, (res) => { let b = ''; res.on('data', (c) => b += c); res.on('end', () => process.stdout.write(b)); });
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', (e) => { process.stdout.write('ERROR ' + e.message); process.exitCode = 1; });
req.end();`;
const fromCluster = (path: string, method: string, headers: Record<string, string>): Promise<string> =>
  execInPod(ns, client, ['/usr/bin/node', '-e', REQUEST, `http://web${path}`, method, JSON.stringify(headers)], { timeoutMs: 20_000 });

describe("mirrord's test programs on the cluster", () => {
  it('dns.lookup("http-echo") resolves the Service, and a request to it is answered by it', async () => {
    const script = `const dns = require('dns').promises;
      dns.lookup('http-echo').then(async (r) => { const body = await (await fetch('http://http-echo/from-mirrord-app')).json(); console.log(JSON.stringify({ address: r.address, app: body.app, url: body.url })); })
        .catch((e) => { console.error('failed with', e); process.exit(1); });`;
    const run = exec({}, ['node', '-e', script]);
    const [line] = await run.waitFor(/\{"address".*\}/);
    const out = JSON.parse(line) as { address: string; app: string; url: string };
    expect(out.address).toMatch(/^10\.219\.0\.\d+$/); // the Service network of the test cluster
    expect(out).toMatchObject({ app: 'go-http', url: '/from-mirrord-app' });
    expect(await run.exited()).toBe(0);
  });

  it('steal with http_filter_header.json: "X-Filter: yes" reaches the local app, other requests the pod', async () => {
    const port = await freePort();
    const run = exec({ feature: { network: { incoming: { mode: 'steal', http_filter: { header_filter: 'x-filter: yes' }, port_mapping: [[port, 8080]] } } } },
      ['node', '-e', APP], { PORT: String(port) });
    await run.waitFor(/steal of target port 8080\/tcp/);
    expect(await fromCluster('/marked', 'PUT', { 'X-Filter': 'yes' })).toBe('PUT');
    expect(JSON.parse(await fromCluster('/plain', 'GET', { 'X-Filter': 'no' }))).toMatchObject({ app: 'node-http', url: '/plain' });
    expect(run.output()).toContain('PUT: Request completed /marked');
    expect(run.output()).not.toContain('Request completed /plain');
  });
});
