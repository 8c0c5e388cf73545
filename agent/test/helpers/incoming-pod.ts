// The set-up shared by the mirror and steal integration tests: one namespace (IPv4 and IPv6)
// running the original app on `port`, and an EbpfIncomingTrafficService on that namespace.
// Created before the file's tests; closed and removed after them, also when they fail. Once the
// service is closed, this process (where the engines run) holds no more descriptors than before.
import { afterAll, beforeAll } from 'vitest';
import { cleanupAll, createNetns, netnsPath, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { createNetnsSockets } from '../../src/netns/sockets.js';
import { createJsonLogger } from '../../src/log.js';
import { EbpfIncomingTrafficService, type EbpfServiceOptions } from '../../src/incoming/ebpf-service.js';
import { startPodServer } from './pod.js';
import { fdBaseline, type FdBaseline } from './fd-count.js';

const log = createJsonLogger({ minLevel: 'error' });

export interface IncomingPod {
  readonly ns: TestNetns;
  /** The service every test of the file shares. */
  readonly service: EbpfIncomingTrafficService;
  /** A further service on the same namespace with extra options (the caller closes it). */
  newService(options?: Omit<EbpfServiceOptions, 'sockets' | 'log'>): EbpfIncomingTrafficService;
}

/** Registers the before/after hooks; read `ns` and `service` inside tests or hooks. */
export function useIncomingPod(port: number): IncomingPod {
  let ns: TestNetns | undefined;
  let service: EbpfIncomingTrafficService | undefined;
  let fds: FdBaseline | undefined;
  const ready = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} not set up yet (read it inside a test or hook)`);
    return v;
  };
  const pod: IncomingPod = {
    get ns() { return ready(ns, 'namespace'); },
    get service() { return ready(service, 'incoming service'); },
    newService: (options = {}) => new EbpfIncomingTrafficService({ sockets: createNetnsSockets(netnsPath(pod.ns)), log, ...options }),
  };
  beforeAll(async () => {
    requireRoot();
    ns = createNetns({ ipv6: true });
    await startPodServer(ns, port);
    service = pod.newService();
    fds = fdBaseline(process.pid, { skipUnixSockets: true });
  });
  afterAll(async () => {
    try {
      await service?.close();
      await fds?.expectNoGrowth('the incoming service closed');
    } finally {
      cleanupAll();
    }
  });
  return pod;
}
