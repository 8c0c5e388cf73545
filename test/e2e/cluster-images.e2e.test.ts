// The images test/cluster/images/build.sh imports run as pods: the static Go HTTP server, the UDP echo server and
// the kmirror agent image (Node with the native addon and its libbpf/libelf libraries).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreV1Api, V1Container } from '@kubernetes/client-node';
import { ClusterGuard, IMAGES } from './harness/cluster.js';
import { execInPod, waitForPodReady } from './harness/pods.js';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const AGENT_IMAGE = `kmirror/agent:${packageJson.version}`;

let guard: ClusterGuard;
let core: CoreV1Api;
let ns: string;

async function runPod(name: string, container: Omit<V1Container, 'name'>): Promise<string> {
  await core.createNamespacedPod({ namespace: ns, body: {
    metadata: { name },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'main', imagePullPolicy: 'Never', ...container }] },
  } });
  const pod = await waitForPodReady(core, ns, name);
  return pod.status?.podIP ?? '';
}

beforeAll(async () => {
  guard = new ClusterGuard();
  core = guard.core;
  ns = await guard.namespace('kmt-images');
  await runPod('client', { image: IMAGES.busybox, command: ['sleep', '3600'] });
});

afterAll(async () => {
  await guard?.dispose();
});

describe('test cluster images', () => {
  it('go-http answers HTTP with its name and the request', async () => {
    const ip = await runPod('go-http', { image: IMAGES.goHttp, env: [{ name: 'MESSAGE', value: 'static go' }] });
    const reply = JSON.parse(await execInPod(ns, 'client', ['http-get', `http://${ip}:8080/go?x=1`]));
    expect(reply).toMatchObject({ app: 'go-http', message: 'static go', pod: 'go-http', url: '/go?x=1' });
  });

  it('udp-echo sends every datagram back', async () => {
    const ip = await runPod('udp-echo', { image: IMAGES.udpEcho });
    const node = await runPod('node', { image: IMAGES.nodeHttp });
    expect(node).not.toBe('');
    const script = `const s = require('dgram').createSocket('udp4');
      s.on('message', (m) => { console.log(m.toString()); process.exit(0); });
      setTimeout(() => process.exit(1), 5000);
      s.send('ping-kmirror', 9090, '${ip}');`;
    expect((await execInPod(ns, 'node', ['/usr/bin/node', '-e', script])).trim()).toBe('ping-kmirror');
  });

  it('the agent image runs Node and loads the native addon with its libraries', async () => {
    await runPod('agent', { image: AGENT_IMAGE, command: ['/usr/bin/node', '-e', 'setInterval(() => {}, 1e9)'] });
    const out = await execInPod(ns, 'agent', ['/usr/bin/node', '-e',
      'const a = require("/opt/kmirror/build/native/kmirror_agent.node"); console.log(process.version, typeof a)']);
    expect(out.trim()).toBe(`${process.version} object`);
  });
});
