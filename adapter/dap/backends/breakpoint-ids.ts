// The breakpoint ids a client sees across re-attaches ("followRestarts"): each attach numbers its
// breakpoints from 1, the client keeps the ids it was given first. Pure.
export class BreakpointIds {
  private next = 1;
  private readonly byAttach = new Map<string, number>();

  /** A new client id (a breakpoint set while no process is attached). */
  fresh(): number {
    return this.next++;
  }

  /** The client's id for breakpoint `id` of attach `generation` (a new one the first time). */
  toClient(generation: number, id: number): number {
    const key = `${generation}:${id}`;
    let clientId = this.byAttach.get(key);
    if (clientId === undefined) {
      clientId = this.fresh();
      this.byAttach.set(key, clientId);
    }
    return clientId;
  }

  /** Breakpoint `id` of attach `generation` is the one the client knows as `clientId` (set again after a re-attach). */
  bind(generation: number, id: number, clientId: number): void {
    this.byAttach.set(`${generation}:${id}`, clientId);
  }
}
