// The shape of one `kmirror` subcommand (one file each, registered in ./index.ts).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '#sdk/headless/usage-error.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface CliCommand {
  readonly name: string;
  /** One line for `kmirror --help`. */
  readonly summary: string;
  readonly usage: string;
  /** Returns the process exit code; throws for usage errors (printed with the usage). */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** A bad command line: printed with the command's usage, exit code 2. */
export { UsageError };

/** node:util parseArgs for a subcommand's argv; a bad command line becomes a UsageError. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
}
