import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from './command.js';

describe('parseCommandLine', () => {
  const config = (args: string[]) => ({ args, strict: true, allowPositionals: false, options: { target: { type: 'string' as const } } });

  it('returns the parsed options', () => {
    expect(parseCommandLine(config(['--target', 'pid/1'])).values).toEqual({ target: 'pid/1' });
  });

  it('turns a bad command line into a UsageError carrying parseArgs\'s message', () => {
    expect(() => parseCommandLine(config(['--bogus']))).toThrow(UsageError);
    expect(() => parseCommandLine(config(['--bogus']))).toThrow(/Unknown option '--bogus'/);
    expect(() => parseCommandLine(config(['--target']))).toThrow(/argument missing/);
    expect(() => parseCommandLine(config(['extra']))).toThrow(/Unexpected argument 'extra'/);
  });
});
