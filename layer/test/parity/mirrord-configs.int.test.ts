// mirrord's own e2e configurations (metalbear-co/mirrord tests/configs/http_filter_header.json,
// http_filter_header_mirror.json, http_filter_path.json: an http_filter given as a bare header or
// path regex) with a server written like mirrord's tests/node-e2e/app.mjs (answers with the
// request's method, prints "<METHOD>: Request completed"), driven by a client that writes header
// names the way Go's net/http does ("X-Filter"). mirrord matches header and path filters
// case-insensitively; a filter "x-filter: yes" that missed "X-Filter: yes" sent those requests to
// the pod instead of the local program.
// config-keys: feature.network.incoming.http_filter.header_filter
import { describe, expect, it } from 'vitest';
import { startExec, type RunningExec } from './kmirror-exec.js';
import { httpFetch } from './pod-http.js';
import { podWithHttpForFile } from './pod-fixture.js';

const fx = podWithHttpForFile();

// The shape of mirrord's node-e2e app: one answer per request, its method.
const APP = `const server = require('http').createServer();
server.on('request', (q, r) => { console.log(q.method + ': Request completed ' + q.url); r.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }); r.end(q.method); });
server.listen(Number(process.argv[1]), () => console.log('listening'));`;

async function session(incoming: object): Promise<RunningExec> {
  const exec = startExec({ target: `pid/${fx.targetPid}`, argv: [process.execPath, '-e', APP, String(fx.pod.port)], config: { feature: { network: { incoming } } } });
  await exec.waitLine(/^listening$/);
  return exec;
}

const url = (path: string): string => `http://${fx.ns.podIp}:${fx.pod.port}${path}`;

describe("mirrord's http_filter configs with a mirrord-style app", () => {
  it('steal, header_filter "x-filter: yes": a request carrying "X-Filter: yes" is stolen, others stay with the pod', async () => {
    const exec = await session({ mode: 'steal', http_filter: { header_filter: 'x-filter: yes' } });
    try {
      expect((await httpFetch(url('/a'), { method: 'PUT', headers: { 'X-Filter': 'yes' } })).body).toBe('PUT');
      expect((await httpFetch(url('/b'), { headers: { 'X-Filter': 'no' } })).body).toBe('pod GET /b');
      expect((await httpFetch(url('/c'), { method: 'DELETE', headers: { 'x-filter': 'yes' } })).body).toBe('DELETE');
      expect(exec.stdout.filter((l) => l.includes('Request completed'))).toEqual(['PUT: Request completed /a', 'DELETE: Request completed /c']);
    } finally {
      await exec.stop();
    }
  });

  it('steal, path_filter "api/v1": "/API/v1/x" is stolen, "/api/v2" is not', async () => {
    const exec = await session({ mode: 'steal', http_filter: { path_filter: 'api/v1' } });
    try {
      expect((await httpFetch(url('/API/v1/x'), { method: 'POST' })).body).toBe('POST');
      expect((await httpFetch(url('/api/v2'))).body).toBe('pod GET /api/v2');
    } finally {
      await exec.stop();
    }
  });

  it('mirror, header_filter "x-filter: yes": the pod answers all; the copy of the "X-Filter: yes" request reaches the program', async () => {
    const exec = await session({ mode: 'mirror', http_filter: { header_filter: 'x-filter: yes' } });
    try {
      expect((await httpFetch(url('/plain'))).body).toBe('pod GET /plain');
      expect((await httpFetch(url('/marked'), { method: 'PUT', headers: { 'X-Filter': 'yes' } })).body).toBe('pod PUT /marked');
      await exec.waitLine(/^PUT: Request completed \/marked$/);
      expect(exec.stdout.filter((l) => l.includes('Request completed'))).toEqual(['PUT: Request completed /marked']);
    } finally {
      await exec.stop();
    }
  });
});
