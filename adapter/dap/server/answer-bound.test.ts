import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AnswerBound, answerBoundMs, DEFAULT_ANSWER_TIMEOUT_MS, LAUNCH_ANSWER_TIMEOUT_MS, USER_EVALUATION_TIMEOUT_MS } from './answer-bound.js';

describe('answerBoundMs', () => {
  it('gives evaluations the user typed and launch/attach more time than the rest', () => {
    expect(answerBoundMs('threads', {})).toBe(DEFAULT_ANSWER_TIMEOUT_MS);
    expect(answerBoundMs('evaluate', { context: 'hover' })).toBe(DEFAULT_ANSWER_TIMEOUT_MS);
    expect(answerBoundMs('evaluate', { context: 'repl' })).toBe(USER_EVALUATION_TIMEOUT_MS);
    expect(answerBoundMs('launch', {})).toBe(LAUNCH_ANSWER_TIMEOUT_MS);
    expect(answerBoundMs('attach', { targetTimeoutMs: 200_000 })).toBe(400_000);
  });

  it('takes the configured bound for every request but launch and attach', () => {
    expect(answerBoundMs('evaluate', { context: 'repl' }, 1500)).toBe(1500);
    expect(answerBoundMs('threads', {}, 1500)).toBe(1500);
    expect(answerBoundMs('launch', {}, 1500)).toBe(LAUNCH_ANSWER_TIMEOUT_MS);
    expect(answerBoundMs('launch', {}, 900_000)).toBe(900_000);
  });
});

describe('AnswerBound', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('answers an unanswered request with an error naming the debugger and the command, tells the user once, drops the late answer', async () => {
    const told: string[] = [];
    const logged: string[] = [];
    const bound = new AnswerBound('python', 1000, (t) => told.push(t), (t) => logged.push(t));
    let late!: (v: string) => void;
    const first = bound.run('evaluate', {}, new Promise<string>((r) => { late = r; }));
    const second = bound.run('threads', {}, new Promise<string>(() => undefined));
    const firstSettled = first.then((v) => ({ v }), (e: Error) => ({ e }));
    const secondSettled = second.then((v) => ({ v }), (e: Error) => ({ e }));
    await vi.advanceTimersByTimeAsync(1000);
    const a = await firstSettled;
    const b = await secondSettled;
    expect('e' in a && a.e.message).toMatch(/^debugpy did not answer `evaluate` within 1 s; it may be deadlocked \(or the program is stuck/);
    expect('e' in b && b.e.message).toMatch(/^debugpy did not answer `threads` within 1 s; it may be deadlocked\. /);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/answerTimeoutMs/);
    late('too late');
    await vi.advanceTimersByTimeAsync(0);
    expect(logged).toEqual(['debugpy answered evaluate after 1 s; the answer was dropped (already answered)']);
  });

  it('passes an answer that comes in time through, and its refusal too', async () => {
    const bound = new AnswerBound('go', undefined, () => undefined, () => undefined);
    await expect(bound.run('threads', {}, Promise.resolve({ threads: [] }))).resolves.toEqual({ threads: [] });
    await expect(bound.run('next', {}, Promise.reject(new Error('unknown thread')))).rejects.toThrow('unknown thread');
  });
});
