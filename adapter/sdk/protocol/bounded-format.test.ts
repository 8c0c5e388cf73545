// Bounded text of peer-controlled values: depth, width and length are all cut.
import { describe, expect, it } from 'vitest';
import { clipText, previewJson } from './bounded-format.js';
import { nestingExceeds } from './json-nesting.js';

describe('previewJson', () => {
  it('prints small values as JSON', () => {
    expect(previewJson('x')).toBe('"x"');
    expect(previewJson({ a: [1, true, null] })).toBe('{"a":[1,true,null]}');
    expect(previewJson(undefined)).toBe('undefined');
  });

  it('cuts depth, entries and length, whatever the input', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(previewJson(deep)).toBe('[[["[…]"]]]');
    const wide = previewJson(Array.from({ length: 1000 }, (_, i) => i));
    expect(wide).toBe('[0,1,2,3,4,5,6,7,"… (992 more)"]');
    expect(previewJson('y'.repeat(1_000_000)).length).toBeLessThan(200);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(previewJson(cycle)).toBe('{"self":{"self":{"self":"{…}"}}}');
  });

  it('clips text and says how much is gone', () => {
    expect(clipText('abcdef', 3)).toBe('abc… (3 more characters)');
    expect(clipText('abc', 3)).toBe('abc');
  });
});

describe('nestingExceeds', () => {
  it('counts arrays and objects outside strings, escapes included', () => {
    expect(nestingExceeds('[{"a":[1]}]', 3)).toBe(false);
    expect(nestingExceeds('[{"a":[[1]]}]', 3)).toBe(true);
    expect(nestingExceeds('["\\"[[[[[["]', 1)).toBe(false);
    expect(nestingExceeds('['.repeat(1_000_000), 128)).toBe(true);
  });
});
