// A command-line mistake in `kmirror-dap run`; the CLI prints it with a usage hint and exits 2.
export class UsageError extends Error {
  override name = 'UsageError' as const;
}
