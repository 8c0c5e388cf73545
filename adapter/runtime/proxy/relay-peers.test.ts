import { afterEach, describe, expect, it, vi } from 'vitest';
import { RelayPeers } from './relay-peers.js';

describe('RelayPeers', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('hands a relay the address told before or after it asks, per Connect id', async () => {
    const peers = new RelayPeers();
    peers.tell(1, { address: '127.0.0.1', port: 40001 });
    const early = peers.expect(1);
    const late = peers.expect(2);
    const waiting = late.address();
    peers.tell(2, { address: '::1', port: 40002 });
    expect(await early.address()).toEqual({ address: '127.0.0.1', port: 40001 });
    expect(await waiting).toEqual({ address: '::1', port: 40002 });
    expect(await late.address()).toBe(await waiting);   // asked twice (two accepted connections): one answer
  });

  it('answers undefined when no notice comes in time, or when the relay is forgotten', async () => {
    vi.useFakeTimers();
    const peers = new RelayPeers();
    const never = peers.expect(3).address();
    vi.advanceTimersByTime(2_000);
    expect(await never).toBeUndefined();
    const relay = peers.expect(4);
    const asked = relay.address();
    relay.forget();
    expect(await asked).toBeUndefined();
    peers.tell(5, { address: '127.0.0.1', port: 1 });
    peers.expect(5).forget();   // a notice for a relay that closed unused is dropped
    const again = peers.expect(5).address();
    vi.advanceTimersByTime(2_000);
    expect(await again).toBeUndefined();
  });
});
