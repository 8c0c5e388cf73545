// A test file's pod: a test namespace with a sleeping target process (what kmirror exec targets) and the pod's
// own server on its address, made in beforeAll (root required) and removed in afterAll, also on failure.
import { afterAll, beforeAll } from 'vitest';
import { createNetns, requireRoot, spawnSleepTarget, type TestNetns } from '#test/harness/netns.js';
import { startPodHttp, type PodHttp } from './pod-http.js';

export interface PodFixture<P> {
  readonly ns: TestNetns;
  readonly targetPid: number;
  readonly pod: P;
}

/** Registers the file's beforeAll/afterAll, the pod's server started by `startPod`; read the fields inside tests. */
export function podForFile<P>(startPod: (ns: TestNetns) => Promise<P>): PodFixture<P> {
  let made: { ns: TestNetns; targetPid: number; pod: P } | undefined;
  let ns: TestNetns | undefined;
  beforeAll(async () => {
    requireRoot();
    ns = createNetns();
    const targetPid = await spawnSleepTarget(ns, {});
    made = { ns, targetPid, pod: await startPod(ns) };
  });
  afterAll(() => ns?.cleanup());
  const get = (): { ns: TestNetns; targetPid: number; pod: P } => {
    if (!made) throw new Error('no pod: read it inside a test, after beforeAll');
    return made;
  };
  return {
    get ns() { return get().ns; },
    get targetPid() { return get().targetPid; },
    get pod() { return get().pod; },
  };
}

/** podForFile with the pod's HTTP server (./pod-http.ts). */
export const podWithHttpForFile = (): PodFixture<PodHttp> => podForFile((ns) => startPodHttp(ns, ns.podIp));
