// Where each relayed program socket connects from, as its layer reports it (RelayPeer notices,
// proto/kmirror/layer/v1/layer.proto): one instance per layer connection, since Connect ids are
// chosen per layer. A one-shot relay listener admits the connection whose remote end is exactly
// that address: no other socket can hold the same 4-tuple while the program's is connected, so
// the owner lookup (a helper process round trip) is not needed. The notice may arrive before or
// after the relay accepts; without one in time the relay falls back to the same-user check.
export interface PeerAddress { address: string; port: number }

/** How long a relay waits for the layer's notice before it checks the owner instead. */
const NOTICE_WAIT_MS = 2_000;

export class RelayPeers {
  private readonly told = new Map<number, PeerAddress>();
  private readonly waiting = new Map<number, (peer: PeerAddress | undefined) => void>();

  /** Records the layer's notice for Connect `id`. */
  tell(id: number, peer: PeerAddress): void {
    const waiter = this.waiting.get(id);
    if (waiter) waiter(peer);
    else this.told.set(id, peer);
  }

  /** What a relay of Connect `id` waits for: the address once told (undefined after a bounded wait); forget() when the relay closes. */
  expect(id: number): ExpectedPeer {
    let pending: Promise<PeerAddress | undefined> | undefined;
    return {
      address: () => (pending ??= new Promise((resolve) => {
        const known = this.told.get(id);
        if (known) { this.told.delete(id); resolve(known); return; }
        const timer = setTimeout(() => settle(undefined), NOTICE_WAIT_MS);
        const settle = (peer: PeerAddress | undefined): void => { clearTimeout(timer); this.waiting.delete(id); resolve(peer); };
        this.waiting.set(id, settle);
      })),
      forget: () => {
        this.told.delete(id);
        this.waiting.get(id)?.(undefined);
      },
    };
  }
}

export interface ExpectedPeer {
  address(): Promise<PeerAddress | undefined>;
  forget(): void;
}
