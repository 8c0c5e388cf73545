// The writer's keepRequest option (`kmirror record --http-filter`), alone and ANDed with --only-failing,
// with the proxy's http_filter matcher.
import { describe, expect, it } from 'vitest';
import { compileRequestMatcher } from '../proxy/http-request-match.js';
import { requestBytes } from './recording-index.js';
import { scriptRecorderForFile } from './test-record-files.js';
import { http, type ScriptedConnection } from './test-recordings.js';

const record = scriptRecorderForFile('kmrec-keep-');

const alice = 'X-User: alice\r\nAuthorization: Bearer a\r\n';
const bob = 'X-User: bob\r\n';
const mixed: ScriptedConnection[] = [
  // keep-alive: alice ok, bob 500, alice 503, nobody 200
  { segments: [
    ['request', http.get('/a1', alice) + http.get('/b1', bob)], ['response', http.ok('one') + http.ok('two', 500)],
    ['request', http.get('/a2', alice) + http.get('/n1')], ['response', http.ok('three', 503) + http.ok('four')],
  ] },
  { segments: [['request', http.get('/b2', bob)], ['response', http.ok('five')]] },
  { segments: [['request', 'raw bytes from alice'], ['response', 'raw answer']], reset: true },
];

describe('RecordingWriter keepRequest (--http-filter)', () => {
  it('keeps only the exchanges whose request matches, byte-exact, and drops non-HTTP connections', async () => {
    const keepRequest = compileRequestMatcher({ headerFilter: '^X-User: alice$' });
    const { read, exchanges, index } = await record({ keepRequest, connections: mixed });
    expect(exchanges.map((x) => x.path)).toEqual(['/a1', '/a2']);
    expect(index.items.map((i) => i.id)).toEqual(['1', '2']); // the reset raw connection is not kept whole
    // matched on the request as sent, although its Authorization is redacted in the file
    expect(requestBytes(index.items[0] as never).toString()).toBe(http.get('/a1', 'X-User: alice\r\nAuthorization: <redacted by kmirror>\r\n'));
    expect(read.header).toMatchObject({ onlyFailing: false, httpFilter: 'test filter' });
    expect(read.end).toMatchObject({ exchanges: 2, dropped: 4 });
    expect(read.records.filter((r) => r.type === 'open').map((r) => (r as { conn: number }).conn)).toEqual([1]);
  });

  it('combines with --only-failing: both must keep an exchange', async () => {
    const keepRequest = compileRequestMatcher({ anyOf: [{ headerFilter: 'alice' }, { pathFilter: '^/n' }] });
    const { exchanges } = await record({ keepRequest, onlyFailing: true, connections: mixed });
    expect(exchanges.map((x) => [x.path, x.status])).toEqual([['/a2', 503]]);
  });

  it('without a filter the header says nothing about one', async () => {
    const { read } = await record({ connections: mixed.slice(1, 2) });
    expect(read.header.httpFilter).toBeUndefined();
  });
});
