// Entry of dist/kmirror.js: dispatches to the subcommand table (./commands/index.ts).
import { COMMANDS } from './commands/index.js';
import { UsageError, type CliIo } from './commands/command.js';
import { versionText } from '#runtime/version-text.js';

const io: CliIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: kmirror <command> [options] | kmirror --version\n\ncommands:\n${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}\n\nkmirror <command> --help shows a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    io.stdout(`${versionText('kmirror')}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(help());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`kmirror: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`kmirror ${name}: ${err.message}\n${command.usage}\n`);
      return 2;
    }
    const e = err as { code?: string; message?: string };
    io.stderr(`kmirror ${name}: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`);
    return 1;
  }
}

// Exit once stdout is flushed: to a pipe, process.exit() right after a large write loses its tail
// (`kmirror recording ls --json` of a big recording came out cut).
main(process.argv.slice(2)).then((code) => process.stdout.write('', () => process.exit(code)));
