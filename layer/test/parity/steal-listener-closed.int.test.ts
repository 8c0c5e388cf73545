// Steal, written like mirrord's tests/python-e2e/close_socket_keep_connection.py: a Python server
// on 127.0.0.1 accepts one stolen connection, closes its listening socket, and only then reads
// from and answers on the accepted connection. Closing the listener ends the subscription; the
// connection already stolen must keep working (mirrord's test checks exactly that).
// config-keys: feature.network.incoming.ignore_localhost
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startExec } from './kmirror-exec.js';
import { podWithHttpForFile } from './pod-fixture.js';

const fx = podWithHttpForFile();

const APP = `import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
print("app listening.", flush=True)
c, _ = s.accept()
print("app accepted connection.", flush=True)
s.close()
print("closed listener.", flush=True)
data = c.recv(16, socket.MSG_WAITALL)
c.sendall(data.upper())
c.close()
print("answered.", flush=True)
`;

describe('a stolen connection outlives its listening socket', () => {
  it('Python: accept, close the listener, then read and answer on the connection', async () => {
    const exec = startExec({ target: `pid/${fx.targetPid}`, argv: ['python3', '-c', APP, String(fx.pod.port)], config: { feature: { network: { incoming: { mode: 'steal', ports: [fx.pod.port] } } } } });
    try {
      await exec.waitLine(/^app listening\.$/);
      const sock = connect(fx.pod.port, fx.ns.podIp);
      let answer = '';
      sock.on('data', (d: Buffer) => { answer += d.toString(); });
      const ended = new Promise<void>((resolve, reject) => { sock.once('end', resolve); sock.once('error', reject); });
      await exec.waitLine(/^closed listener\.$/);
      sock.write('stolen and kept!');
      await ended;
      sock.destroy();
      expect(answer).toBe('STOLEN AND KEPT!');
      await exec.waitLine(/^answered\.$/);
      expect(fx.pod.served).toEqual([]);
    } finally {
      await exec.stop();
    }
  });
});
