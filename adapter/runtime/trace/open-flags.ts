// O_* flags of an open event as text (x86-64 / generic Linux values), for display.
const ACCESS = ['O_RDONLY', 'O_WRONLY', 'O_RDWR'] as const;
// Composite flags (O_SYNC ⊃ O_DSYNC, O_TMPFILE ⊃ O_DIRECTORY) come first so they win.
const FLAGS: ReadonlyArray<[number, string]> = [
  [0o4010000, 'O_SYNC'], [0o20200000, 'O_TMPFILE'], [0o100, 'O_CREAT'], [0o200, 'O_EXCL'], [0o400, 'O_NOCTTY'], [0o1000, 'O_TRUNC'], [0o2000, 'O_APPEND'], [0o4000, 'O_NONBLOCK'],
  [0o10000, 'O_DSYNC'], [0o40000, 'O_DIRECT'], [0o200000, 'O_DIRECTORY'], [0o400000, 'O_NOFOLLOW'], [0o1000000, 'O_NOATIME'],
  [0o2000000, 'O_CLOEXEC'], [0o10000000, 'O_PATH'],
];

/** e.g. 0o2101 → "O_WRONLY|O_CREAT|O_APPEND"; unknown bits as hex. */
export function formatOpenFlags(flags: number): string {
  const parts: string[] = [ACCESS[flags & 3] ?? 'O_ACCMODE'];
  let rest = (flags & ~3) >>> 0;
  for (const [bit, name] of FLAGS) {
    if ((rest & bit) === bit) {
      parts.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest) parts.push(`0x${rest.toString(16)}`);
  return parts.join('|');
}
