import { describe, expect, it } from 'vitest';
import { pathMapping } from './path-mapping.js';

describe('pathMapping', () => {
  const m = pathMapping('/home/me/web', '/app');

  it('maps files under the roots both ways', () => {
    expect(m.toLocal('/app/src/server.js')).toBe('/home/me/web/src/server.js');
    expect(m.toRemote('/home/me/web/src/server.js')).toBe('/app/src/server.js');
    expect(pathMapping('/home/me/web/', '/app/').toRemote('/home/me/web/a.js')).toBe('/app/a.js');
  });

  it('leaves paths outside the roots (and look-alike prefixes) alone', () => {
    expect(m.toLocal('/application/x.js')).toBe('/application/x.js');
    expect(m.toLocal('/usr/lib/node_modules/x.js')).toBe('/usr/lib/node_modules/x.js');
    expect(m.toRemote('/home/me/webapp/a.js')).toBe('/home/me/webapp/a.js');
  });

  it('is the identity without both roots', () => {
    expect(pathMapping(undefined, '/app').toLocal('/app/a.js')).toBe('/app/a.js');
  });
});
