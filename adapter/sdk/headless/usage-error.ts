// A command-line mistake, in `kmirror-dap run` or a `kmirror` subcommand: printed with a usage hint,
// exit code 2. One class for both (the CLI imports it from here; the SDK may not import the CLI).
import { KmError } from '#proto/runtime/km-error.js';

export class UsageError extends KmError<'commandLine'> {
  override name = 'UsageError' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super('commandLine', 'USAGE', message, options);
  }
}
