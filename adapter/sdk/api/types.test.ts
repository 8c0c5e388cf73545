// Type tests for the public headless API (`import { debugSession } from 'kmirror'`).
import { describe, expectTypeOf, it } from 'vitest';
import { debugSession, type DebugSession, type DebugSessionOptions, type SessionEnd, type Stop } from './index.js';

describe('public API types', () => {
  it('debugSession takes options with a kmirror launch and resolves to an async iterable of stops', () => {
    expectTypeOf(debugSession).parameter(0).toEqualTypeOf<DebugSessionOptions>();
    expectTypeOf(debugSession).returns.resolves.toEqualTypeOf<DebugSession>();
    expectTypeOf<DebugSession>().toMatchTypeOf<AsyncIterable<Stop>>();
    expectTypeOf<DebugSession['ended']>().resolves.toEqualTypeOf<SessionEnd>();
    expectTypeOf<DebugSessionOptions['launch']['target']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<DebugSessionOptions['launch']['args']>().toEqualTypeOf<string[] | undefined>();
  });

  it('a stop evaluates to strings and continues', () => {
    expectTypeOf<Stop['evaluate']>().parameters.toEqualTypeOf<[string]>();
    expectTypeOf<Stop['evaluate']>().returns.resolves.toBeString();
    expectTypeOf<Stop['continue']>().returns.resolves.toBeVoid();
    expectTypeOf<Stop['line']>().toEqualTypeOf<number | undefined>();
  });
});
