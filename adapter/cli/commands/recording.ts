// `kmirror recording ls FILE [--json]` and `kmirror recording show FILE ID`: what a recording holds.
// A damaged or still-growing file is shown up to its last complete record, with a warning.
import { openRecording } from '#runtime/recording/open-recording.js';
import { selectItems } from '#runtime/recording/recording-index.js';
import { itemsTable, showItem, summarize } from '#runtime/recording/show.js';
import { parseCommandLine, UsageError, type CliCommand } from './command.js';

const USAGE = `usage: kmirror recording ls FILE [--json]
       kmirror recording show FILE ID
  ls lists the recording's HTTP exchanges (ids 1, 2, …) and its whole non-HTTP connections
  (ids c1, c2, …); show prints one like curl -v (> request, < response).`;

export const recordingCommand: CliCommand = {
  name: 'recording',
  summary: 'list (ls) or print (show) what a .kmrec recording holds',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine({ args: argv, strict: true, allowPositionals: true, options: { json: { type: 'boolean' } } });
    const [verb, file, id, ...extra] = positionals;
    if (!verb || !file) throw new UsageError('give a verb (ls or show) and a recording FILE');
    if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    const index = openRecording(file, (w) => io.stderr(`warning: ${w}\n`));
    if (verb === 'ls') {
      if (id) throw new UsageError('ls takes only FILE');
      if (values.json) io.stdout(`${JSON.stringify({ header: index.header, items: index.items.map(summarize), gaps: index.gaps }, null, 2)}\n`);
      else io.stdout(index.items.length ? itemsTable(index) : 'the recording holds no exchanges or connections\n');
      return 0;
    }
    if (verb === 'show') {
      if (!id) throw new UsageError('show needs an ID (see `kmirror recording ls FILE`)');
      const [item] = selectItems(index, [id]);
      io.stdout(showItem(index, item as never));
      return 0;
    }
    throw new UsageError(`unknown verb "${verb}" (ls or show)`);
  },
};
