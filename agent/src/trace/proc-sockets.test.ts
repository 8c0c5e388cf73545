import { describe, expect, it } from 'vitest';
import { parseProcAddress, parseSocketTable } from './proc-sockets.js';
import { parseStat } from './proc-processes.js';

describe('/proc parsing', () => {
  it('reads IPv4, IPv6 and v4-mapped addresses in /proc/net word order', () => {
    expect(parseProcAddress('0100007F:1F90')).toEqual({ address: '127.0.0.1', port: 8080 });
    expect(parseProcAddress('00000000000000000000000001000000:0035')).toEqual({ address: '::1', port: 53 });
    expect(parseProcAddress('0000000000000000FFFF00000100007F:01BB')).toEqual({ address: '::ffff:127.0.0.1', port: 443 });
  });

  it('parses a tcp table with states and a udp table as UNCONN/ESTABLISHED', () => {
    const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:A2B4 01 00000000:00000000 00:00000000 00000000  1000        0 12346 1 0000000000000000 20 4 30 10 -1`;
    expect(parseSocketTable(tcp, 'tcp', false)).toEqual([
      { protocol: 'tcp', ipv6: false, local: { address: '127.0.0.1', port: 8080 }, remote: { address: '0.0.0.0', port: 0 }, state: 'LISTEN', uid: 0, inode: 12345, pids: [] },
      { protocol: 'tcp', ipv6: false, local: { address: '127.0.0.1', port: 8080 }, remote: { address: '127.0.0.1', port: 41652 }, state: 'ESTABLISHED', uid: 1000, inode: 12346, pids: [] },
    ]);
    const udp = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  7: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 999 2 0000000000000000 0`;
    expect(parseSocketTable(udp, 'udp', false)[0]).toMatchObject({ state: 'UNCONN', local: { port: 53 }, inode: 999 });
  });

  it('reads /proc/PID/stat with a comm holding spaces and parentheses', () => {
    const s = parseStat('42 (my (odd) cmd) S 7 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 5000 1000000 250 18446744073709551615');
    expect(s).toEqual({ comm: 'my (odd) cmd', state: 'S', ppid: 7, startTicks: 5000, rssPages: 250 });
  });
});
