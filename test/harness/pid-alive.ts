// Whether a process exists: how the test harnesses tell leftovers of a crashed run (whose creating
// process is gone) from resources a running test still owns.
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch {
    return false;
  }
}
