// The keeper's decisions with fake steps and a fake tunnel handshake: which agent a reconnect
// reaches, when it places a new one, how it moves with the target, and what it removes.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { PlacedAgent } from '../cluster/agent-placement.js';
import type { KubeAccess } from '../cluster/kube-access.js';
import type { AgentSession } from '../tunnel/agent-session.js';
import { AgentKeeper, type ClusterPlacementSteps } from './cluster-agent-keeper.js';

const handshake = vi.hoisted(() => ({ failFor: new Set<string>(), connected: [] as string[] }));
vi.mock('../cluster/agent-handshake.js', () => {
  const connect = async (_access: unknown, ep: { podName: string }) => {
    if (handshake.failFor.has(ep.podName)) throw new Error(`no answer from ${ep.podName}`);
    handshake.connected.push(ep.podName);
    return { session: { target: ep.podName } as unknown as AgentSession, transport: { destroy: () => undefined } };
  };
  return { agentUrl: (ep: { podName: string }) => `ws://${ep.podName}`, connectOnce: connect, connectWhenReady: connect };
});

interface Site { pod: string }

function setup(sites: string[], joinedFirst = false) {
  const running = new Set<string>();
  const removed: string[] = [];
  const stopped: string[] = [];
  let placed = 0;
  let onMoved: ((reason: string) => void) | undefined;
  const access = {
    contextName: 'ctx',
    core: {
      readNamespacedPod: async ({ name }: { name: string }) => ({
        status: { containerStatuses: running.has(name) ? [{ name: 'kmirror-agent', state: { running: {} } }] : [] },
      }),
    },
  } as unknown as KubeAccess;
  const steps: ClusterPlacementSteps<Site> = {
    targetless: false,
    locate: async () => ({ pod: sites.shift() ?? 'none' }),
    place: async (site) => {
      const podName = `agent-${++placed}`;
      running.add(podName);
      return {
        ...(joinedFirst && placed === 1 ? { joined: true } : {}),
        mode: 'node-job', sessionId: String(placed), namespace: 'ns', podName, containerName: 'kmirror-agent', port: 1, token: `t${placed}`,
        trafficCapable: true, remove: async () => { removed.push(`${podName}@${site.pod}`); running.delete(podName); },
      } satisfies PlacedAgent;
    },
    describe: (site) => ({ namespace: 'ns', podName: site.pod, container: 'app', nodeName: 'n' }),
    placedMessage: (site, agent) => `${agent.podName} for ${site.pod}`,
    follow: (site, moved) => { onMoved = moved; return { stop: async () => { stopped.push(site.pod); } }; },
  };
  const logs: string[] = [];
  const start = () => AgentKeeper.start(access, steps, { startupTimeoutMs: 1000, log: (level, message) => logs.push(`${level} ${message}`) });
  return { start, running, removed, stopped, logs, moved: (reason: string) => onMoved?.(reason) };
}

beforeEach(() => {
  handshake.failFor.clear();
  handshake.connected = [];
});

describe('AgentKeeper', () => {
  it('places the agent again, once, when a joined shared agent does not answer (it was ending)', async () => {
    const k = setup(['pod-a'], true);
    handshake.failFor.add('agent-1');
    const { keeper } = await k.start();
    expect(keeper.agent.podName).toBe('agent-2');
    expect(k.removed).toEqual(['agent-1@pod-a']);
    expect(k.logs.some((l) => /shared agent agent-1 did not answer/.test(l))).toBe(true);
  });

  it('does not place again when an agent it placed itself does not answer', async () => {
    const k = setup(['pod-a']);
    handshake.failFor.add('agent-1');
    await expect(k.start()).rejects.toThrow(/no answer from agent-1/);
    expect(k.removed).toEqual(['agent-1@pod-a']);
  });

  it('places the first agent where the steps locate the target and reports where it runs', async () => {
    const t = setup(['web-1']);
    const { keeper, first } = await t.start();
    expect(first.session.target).toBe('agent-1');
    expect(t.logs).toContain('info agent-1 for web-1');
    expect(keeper.info()).toEqual({ context: 'ctx', namespace: 'ns', podName: 'web-1', container: 'app', nodeName: 'n', placement: 'node-job', agentPod: 'agent-1', agentContainer: 'kmirror-agent', url: 'ws://agent-1' });
    expect(keeper.agent.token).toBe('t1');
  });

  it('removes an agent that never answers its first handshake', async () => {
    const t = setup(['web-1']);
    handshake.failFor.add('agent-1');
    await expect(t.start()).rejects.toThrow('no answer from agent-1');
    expect(t.removed).toEqual(['agent-1@web-1']);
  });

  it('reconnects to the same agent while it runs, and places a new one (removing the old) once it died', async () => {
    const t = setup(['web-1']);
    const { keeper } = await t.start();
    expect(await keeper.reconnect(1, 'port-forward dropped')).toMatchObject({ note: 'same agent agent-1' });
    t.running.delete('agent-1');
    expect(await keeper.reconnect(1, 'agent died')).toMatchObject({ note: 'new agent agent-2' });
    expect(keeper.agent.podName).toBe('agent-2');
    expect(t.removed).toEqual(['agent-1@web-1']);
  });

  it('moves to the newly located pod when the follower says the target moved', async () => {
    const t = setup(['web-1', 'web-2']);
    const { keeper } = await t.start();
    const forced: string[] = [];
    keeper.follow((reason) => forced.push(reason));
    t.moved('target pod web-1 is gone');
    expect(forced).toEqual(['target pod web-1 is gone']);
    expect(t.logs).toContain('warn target pod web-1 is gone; moving the session');
    expect(await keeper.reconnect(1, 'moved')).toMatchObject({ note: 'followed web-1 → web-2, new agent agent-2' });
    expect(keeper.info()).toMatchObject({ podName: 'web-2', agentPod: 'agent-2' });
    expect(t.stopped).toEqual(['web-1']);   // the old pod's follower; a new one follows web-2
    // Moved once: the next drop reaches the same (new) agent again.
    expect(await keeper.reconnect(1, 'drop')).toMatchObject({ note: 'same agent agent-2' });
  });

  it('removes a replacement agent that never answers, keeping the current one', async () => {
    const t = setup(['web-1']);
    const { keeper } = await t.start();
    t.running.delete('agent-1');
    handshake.failFor.add('agent-2');
    await expect(keeper.reconnect(1, 'agent died')).rejects.toThrow('no answer from agent-2');
    expect(t.removed).toEqual(['agent-2@web-1']);
    expect(keeper.agent.podName).toBe('agent-1');
  });

  it('close() stops following and removes the agent', async () => {
    const t = setup(['web-1']);
    const { keeper } = await t.start();
    keeper.follow(() => undefined);
    await keeper.close();
    expect(t.stopped).toEqual(['web-1']);
    expect(t.removed).toEqual(['agent-1@web-1']);
  });
});
