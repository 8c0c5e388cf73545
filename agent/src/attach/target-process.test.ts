import { describe, expect, it } from 'vitest';
import { catchesSignal, parseProcStatus } from './target-process.js';

const STATUS = 'Name:\tnode\nUmask:\t0022\nNSpid:\t4242\t7\nSigBlk:\t0000000000000000\nSigCgt:\t0000000100004602\n';

describe('parseProcStatus', () => {
  it('reads the name, the pid in each namespace and the caught signals', () => {
    const s = parseProcStatus(STATUS);
    expect(s.name).toBe('node');
    expect(s.nsPids).toEqual([4242, 7]);
    expect(catchesSignal(s.caught, 10)).toBe(true); // SIGUSR1: Node's inspector trigger
    expect(catchesSignal(s.caught, 12)).toBe(false); // SIGUSR2
  });

  it('treats a missing SigCgt as no handler (a SIGUSR1 would end the process)', () => {
    expect(catchesSignal(parseProcStatus('Name:\tsleep\nNSpid:\t9\n').caught, 10)).toBe(false);
  });
});
