// `kmirror replay FILE [--id N … | --all] --to HOST:PORT [--speed 1x|max] [--concurrency N]`:
// sends recorded requests again and prints, per item, whether the answer matches the recorded
// one (status and body digest). A refused or silent target fails that item; the rest still go.
import { openRecording } from '#runtime/recording/open-recording.js';
import { selectItems } from '#runtime/recording/recording-index.js';
import { parseHostPort, parseSpeed, replay, type ReplayResult } from '#runtime/recording/replay.js';
import { parseCommandLine, UsageError, type CliCommand } from './command.js';

const USAGE = `usage: kmirror replay FILE (--id ID [--id ID …] | --all) --to HOST:PORT
                      [--speed 1x|max] [--concurrency N] [--timeout SECONDS] [--json]
  Sends the recorded requests (an HTTP exchange on a new connection each; a non-HTTP connection's
  whole request stream) to HOST:PORT and compares each answer with the recorded one: status and
  body digest. --speed 1x keeps the recorded spacing (default), max sends as fast as
  --concurrency (default 1) allows. Exit code 0 when every answer matched, 1 otherwise.`;

export const replayCommand: CliCommand = {
  name: 'replay',
  summary: 'send recorded requests again to HOST:PORT and compare the answers',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine({
      args: argv, strict: true, allowPositionals: true,
      options: {
        id: { type: 'string', multiple: true }, all: { type: 'boolean' }, to: { type: 'string' }, speed: { type: 'string' },
        concurrency: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' },
      },
    });
    const [file, ...extra] = positionals;
    if (!file || extra.length) throw new UsageError('give exactly one recording FILE');
    if (!values.to) throw new UsageError('--to HOST:PORT is required');
    if (!values.all && !values.id?.length) throw new UsageError('choose --id ID (repeatable, or comma-separated) or --all');
    if (values.all && values.id?.length) throw new UsageError('--id and --all exclude each other');
    const to = usage(() => parseHostPort(values.to as string));
    const speed = usage(() => parseSpeed(values.speed ?? '1x'));
    const concurrency = positiveInt(values.concurrency ?? '1', '--concurrency');
    const timeoutMs = positiveInt(values.timeout ?? '30', '--timeout') * 1000;
    const index = openRecording(file, (w) => io.stderr(`warning: ${w}\n`));
    const ids = values.all ? 'all' : (values.id as string[]).flatMap((s) => s.split(',')).filter(Boolean);
    const items = selectItems(index, ids);
    const results = await replay(items, {
      to, speed, concurrency, timeoutMs,
      onResult: (r) => { if (!values.json) io.stdout(`${resultLine(r)}\n`); },
    });
    const failed = results.filter((r) => !r.match);
    if (values.json) io.stdout(`${JSON.stringify(results, null, 2)}\n`);
    else io.stdout(`replayed ${results.length}: ${results.length - failed.length} matched, ${failed.filter((r) => !r.error).length} differ, ${failed.filter((r) => r.error).length} failed\n`);
    return failed.length ? 1 : 0;
  },
};

export function resultLine(r: ReplayResult): string {
  const head = `${r.id.padStart(4)}  ${r.label}`;
  if (r.error) return `${head}  ERROR ${r.error}`;
  const status = r.status !== undefined ? `  ${r.recordedStatus ?? '-'} → ${r.status}` : '';
  return r.match ? `${head}${status}  same (${r.ms} ms)` : `${head}${status}  DIFFERS: ${r.differences.join('; ')}`;
}

function usage<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, not "${text}"`);
  return n;
}
