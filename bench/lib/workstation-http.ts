// The workstation program of the steal benches: answers every HTTP request on a stolen connection at once
// ("workstation", keep-alive), reading only as far as each request's head (the benches send GETs).
import type { IncomingConnection } from '#runtime/tunnel/agent-session.js';

export function answerWorkstation(conn: IncomingConnection): void {
  let buf = '';
  conn.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    let end: number;
    while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
      buf = buf.slice(end + 4);
      conn.write('HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nworkstation');
    }
  });
  conn.on('end', () => conn.end());
  conn.on('error', () => {});
}
