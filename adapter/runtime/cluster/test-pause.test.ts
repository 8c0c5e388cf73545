import { afterEach, describe, expect, it } from 'vitest';
import { pauseForTest, TEST_PAUSE_ENV, testPauseLine } from './test-pause.js';

describe('pauseForTest (test-only hook)', () => {
  const saved = process.env[TEST_PAUSE_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[TEST_PAUSE_ENV];
    else process.env[TEST_PAUSE_ENV] = saved;
  });

  it('returns at once when the variable is unset or names another step', async () => {
    delete process.env[TEST_PAUSE_ENV];
    await expect(pauseForTest('secret')).resolves.toBeUndefined();
    process.env[TEST_PAUSE_ENV] = 'job';
    await expect(pauseForTest('secret')).resolves.toBeUndefined();
  });

  it('names the step and the variable in the line a paused client prints', () => {
    expect(testPauseLine('copy')).toBe('kmirror: paused after copy (KMIRROR_TEST_PAUSE_AFTER, test only)');
  });
});
