import { describe, expect, it } from 'vitest';
import { describeProbes } from './probe-summary.js';

describe('describeProbes', () => {
  it('names the liveness and readiness settings of the container, with defaults filled in', () => {
    const pod = { spec: { containers: [{ name: 'other' }, { name: 'web', livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5, failureThreshold: 2 }, readinessProbe: { tcpSocket: { port: 8080 } } }] } };
    expect(describeProbes(pod, 'web')).toBe('livenessProbe HTTP GET /healthz on port 8080 every 5s, timeout 1s, failureThreshold 2 (fails after ≈10s stopped); '
      + 'readinessProbe TCP port 8080 every 10s, timeout 1s, failureThreshold 3 (fails after ≈30s stopped)');
  });

  it('says nothing for a container without probes or a container not in the pod', () => {
    const pod = { spec: { containers: [{ name: 'web' }] } };
    expect(describeProbes(pod, 'web')).toBeUndefined();
    expect(describeProbes(pod, 'gone')).toBeUndefined();
  });
});
