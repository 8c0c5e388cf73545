// TEST-ONLY hook. KMIRROR_TEST_PAUSE_AFTER=<point> makes placement stop for good right after that
// step and say so on stderr, so that an e2e test can kill -9 the client at exactly that moment and
// check that nothing of the session is left (test/e2e/placement-kill.e2e.test.ts). Points:
//   secret — the agent's token Secret exists (owned by the placement anchor), the node agent's Job
//            (or the ephemeral container) not yet
//   job    — the agent Job exists, the Secret is not yet its dependent
//   copy   — copy_target's copy Job exists (its owner Secret owned by the anchor), not yet adopted
// Unset, or naming another point, it does nothing: no real run sets it.
export type TestPausePoint = 'secret' | 'job' | 'copy';

export const TEST_PAUSE_ENV = 'KMIRROR_TEST_PAUSE_AFTER';

/** The line a paused client prints on stderr. */
export function testPauseLine(point: TestPausePoint): string {
  return `kmirror: paused after ${point} (${TEST_PAUSE_ENV}, test only)`;
}

/** Never returns when KMIRROR_TEST_PAUSE_AFTER names `point`; returns at once otherwise. */
export async function pauseForTest(point: TestPausePoint): Promise<void> {
  if (process.env[TEST_PAUSE_ENV] !== point) return;
  process.stderr.write(`${testPauseLine(point)}\n`);
  // A timer keeps the process alive while it waits for the test's kill -9.
  await new Promise<never>(() => setInterval(() => undefined, 60_000));
}
