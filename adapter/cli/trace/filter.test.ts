import { describe, expect, it } from 'vitest';
import { FilterError, kernelFilter, matchesFilter, parseFilter, parseFilters } from './filter.js';

function errorOf(expr: string): FilterError {
  try {
    parseFilter(expr);
  } catch (err) {
    if (err instanceof FilterError) return err;
    throw err;
  }
  throw new Error(`"${expr}" parsed`);
}

describe('--filter parsing', () => {
  it('parses the four operators, numbers and regexes', () => {
    const terms = parseFilter('pid=123,comm!=sh,name~^web\\.,path!~^/proc');
    expect(terms.map((t) => [t.key, t.op, t.value])).toEqual([
      ['pid', '=', '123'], ['comm', '!=', 'sh'], ['name', '~', '^web\\.'], ['path', '!~', '^/proc'],
    ]);
    expect(terms[0]!.number).toBe(123);
    expect(terms[2]!.regex?.test('web.default.svc')).toBe(true);
  });

  it('keeps an escaped comma inside a value and adds the terms of every flag', () => {
    expect(parseFilter('name~a\\,b')[0]!.value).toBe('a,b');
    expect(parseFilters(['pid=1', 'port=80']).map((t) => t.key)).toEqual(['pid', 'port']);
  });

  it('names the column of an unknown key and lists the keys', () => {
    const err = errorOf('pid=1, colour=red');
    expect(err.column).toBe(8);
    expect(err.message).toContain('unknown key "colour"');
    expect(err.message).toContain('pid, ppid, uid, comm, port');
    expect(err.message).toContain('\n  pid=1, colour=red\n         ^');
  });

  it('names the column of a bad number, a port out of range, a missing operator or value and a bad regex', () => {
    expect(errorOf('pid=abc').column).toBe(5);
    expect(errorOf('pid=abc').reason).toBe('pid expects a whole number, got "abc"');
    expect(errorOf('port=70000').reason).toBe('port must be at most 65535, got 70000');
    expect(errorOf('comm').reason).toBe('expected =, !=, ~ or !~ after "comm"');
    expect(errorOf('comm').column).toBe(5);
    expect(errorOf('comm=').reason).toBe('missing value after "comm="');
    const bad = errorOf('name~(unclosed');
    expect(bad.column).toBe(6);
    expect(bad.reason).toMatch(/^bad regular expression: .*Unterminated group/);
    expect(errorOf('pid=1,').reason).toMatch(/^empty term/);
    expect(errorOf('=3').reason).toMatch(/^expected a key/);
  });
});

describe('--filter matching', () => {
  const connect = { gadget: 'tcp', kind: 'connect', process: { pid: 42, comm: 'curl' }, local: { address: '10.0.0.2', port: 40000 }, remote: { address: '10.0.0.9', port: 80 } };
  const exec = { gadget: 'exec', process: { pid: 43, ppid: 42, comm: 'sh' }, filename: '/bin/sh', argv: ['sh', '-c', 'true'] };

  it('compares numbers as numbers and text exactly', () => {
    expect(matchesFilter(parseFilter('pid=42'), connect)).toBe(true);
    expect(matchesFilter(parseFilter('pid=042'), connect)).toBe(true);
    expect(matchesFilter(parseFilter('comm=cur'), connect)).toBe(false);
  });

  it('matches port and addr on either end of a connection', () => {
    expect(matchesFilter(parseFilter('port=80'), connect)).toBe(true);
    expect(matchesFilter(parseFilter('port=40000'), connect)).toBe(true);
    expect(matchesFilter(parseFilter('addr~^10\\.0\\.0\\.9$'), connect)).toBe(true);
    expect(matchesFilter(parseFilter('port!=80'), connect)).toBe(false);
  });

  it('fails a positive term on an event without the field and passes a negative one', () => {
    expect(matchesFilter(parseFilter('port=80'), exec)).toBe(false);
    expect(matchesFilter(parseFilter('port!=80'), exec)).toBe(true);
  });

  it('needs every term to hold', () => {
    expect(matchesFilter(parseFilters(['comm=curl', 'port=443']), connect)).toBe(false);
    expect(matchesFilter(parseFilters(['comm=curl', 'port=80']), connect)).toBe(true);
    expect(matchesFilter([], exec)).toBe(true);
  });
});

describe('kernelFilter', () => {
  it('passes single = terms on pid, comm and port to the agent, nothing else', () => {
    expect(kernelFilter(parseFilter('pid=7,comm=curl,port=80,name~x'))).toEqual({ pids: [7], comm: 'curl', ports: [80] });
    expect(kernelFilter(parseFilters(['pid!=7', 'port=80', 'port=443', 'comm~^c']))).toEqual({});
  });
});
