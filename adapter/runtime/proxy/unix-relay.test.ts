import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../config/policy.js';
import { buildPathRules } from './path-rules.js';
import { unixPathRemote } from './unix-relay.js';

describe('unixPathRemote', () => {
  const rules = (fs: object) => buildPathRules(resolvePolicy({ feature: { fs } }), '/work').rules;

  it('unix_streams regexes name the target sockets', () => {
    expect(unixPathRemote('/run/app/app.sock', ['^/run/app/'], rules({}))).toBe(true);
    expect(unixPathRemote('/run/other.sock', ['^/run/app/'], rules({}))).toBe(false);
  });

  it('an explicit fs list counts, a path remote only by default does not', () => {
    expect(unixPathRemote('/srv/db.sock', [], rules({ read_write: ['^/srv/'] }))).toBe(true);
    expect(unixPathRemote('/srv/db.sock', [], rules({ mode: 'read' }))).toBe(false);
  });
});
