// A steady HTTP/1.1 workload against the record-target fixture: `lanes` clients in parallel, each
// sending one unit every intervalMs, on keep-alive connections replaced every 10 units, with
// pipelined triples, chunked request bodies, chunked responses and 1 MiB bodies both ways
// (staggered between lanes so they do not all burst at once). Returns every connection's bytes.
import { RawHttpConnection, request, type ConnectionBytes } from './raw-client.js';

const MiB = Buffer.alloc(1 << 20, 'u');

export interface WorkloadOptions {
  requests: number;
  lanes: number;
  intervalMs: number;
}

async function lane(host: string, port: number, id: number, count: number, intervalMs: number, out: ConnectionBytes[]): Promise<void> {
  let conn: RawHttpConnection | undefined;
  let sent = 0;
  for (let i = 0; sent < count; i++) {
    if (!conn || i % 10 === 0) {
      await conn?.close();
      conn = await RawHttpConnection.open(host, port);
      out.push(conn.bytes);
    }
    const kind = (i + id * 7) % 50;
    const tag = `${id}-${i}`;
    if (kind === 3 && count - sent >= 3) {
      await conn.exchange(request('GET', `/ok?p1-${tag}`), request('POST', `/ok?p2-${tag}`, { body: Buffer.from(`pipelined ${tag}`) }), request('GET', `/chunked?p3-${tag}`));
      sent += 3;
    } else {
      const req = kind === 10 ? request('POST', `/ok?upload-${tag}`, { body: MiB })
        : kind === 35 ? request('GET', `/big?${tag}`)
          : kind % 7 === 1 ? request('POST', `/ok?chunked-${tag}`, { body: Buffer.alloc(10_000 + i, 'c'), chunked: true })
            : kind % 5 === 2 ? request('GET', `/chunked?${tag}`)
              : request('GET', `/ok?${tag}`);
      await conn.exchange(req);
      sent += 1;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  await conn?.close();
}

export async function runWorkload(host: string, port: number, o: WorkloadOptions): Promise<ConnectionBytes[]> {
  const out: ConnectionBytes[] = [];
  const per = Math.floor(o.requests / o.lanes);
  const counts = Array.from({ length: o.lanes }, (_, i) => per + (i < o.requests - per * o.lanes ? 1 : 0));
  await Promise.all(counts.map((n, i) => lane(host, port, i, n, o.intervalMs, out)));
  return out;
}
