// The "Replay recorded request…" flow against stand-ins for VS Code's UI and debug session (pure
// orchestration; the two DAP requests it sends are tested for real in adapter/dap/test/replay.int.test.ts).
import { describe, expect, it } from 'vitest';
import { replayRecordedRequest, type ReplaySession, type ReplayUi } from './replay-command.js';

function standIns(opts: { session?: Partial<ReplaySession> | null; pick?: string[]; file?: string; fail?: string }) {
  const sent: { command: string; args: unknown }[] = [];
  const messages: string[] = [];
  let offered: { label: string; description: string; id: string }[] = [];
  const session: ReplaySession = {
    type: 'kmirror',
    async customRequest(command, args) {
      sent.push({ command, args });
      if (opts.fail) throw new Error(opts.fail);
      if (command === 'kmirror/recording') {
        return { warnings: ['ends early'], items: [
          { id: '1', title: '1  GET /ok → 200  3 ms', status: 200, reset: false, started: 't1' },
          { id: '2', title: '2  POST /pay → 503  9 ms', status: 503, reset: false, started: 't2' },
        ] };
      }
      return { host: '127.0.0.1', port: 8080 };
    },
    ...(opts.session ?? {}),
  };
  const ui: ReplayUi = {
    activeSession: () => (opts.session === null ? undefined : session),
    pickFile: async () => opts.file,
    pickItems: async (items) => {
      offered = items;
      return opts.pick?.map((id) => ({ id }));
    },
    info: (m) => messages.push(`info: ${m}`),
    error: (m) => messages.push(`error: ${m}`),
  };
  return { ui, sent, messages, offered: () => offered };
}

describe('replayRecordedRequest', () => {
  it('lists the recording, offers its exchanges (failed ones marked), replays the picked ones', async () => {
    const s = standIns({ file: '/r/a.kmrec', pick: ['2'] });
    expect(await replayRecordedRequest(s.ui)).toEqual(['2']);
    expect(s.offered()).toEqual([
      { label: '1  GET /ok → 200  3 ms', description: 't1', id: '1' },
      { label: '2  POST /pay → 503  9 ms', description: 't2 · failed', id: '2' },
    ]);
    expect(s.sent).toEqual([
      { command: 'kmirror/recording', args: { file: '/r/a.kmrec' } },
      { command: 'kmirror/replay', args: { file: '/r/a.kmrec', ids: ['2'] } },
    ]);
    expect(s.messages).toEqual(['info: kmirror: ends early', 'info: kmirror: replaying request 2 into 127.0.0.1:8080']);
  });

  it('needs a running kmirror session', async () => {
    const s = standIns({ session: null, file: '/r/a.kmrec' });
    expect(await replayRecordedRequest(s.ui)).toEqual([]);
    expect(s.messages[0]).toMatch(/start a kmirror debug session first/);
    const other = standIns({ session: { type: 'python' }, file: '/r/a.kmrec' });
    expect(await replayRecordedRequest(other.ui)).toEqual([]);
  });

  it('does nothing when the user cancels, and shows the adapter\'s error', async () => {
    const cancelled = standIns({ file: '/r/a.kmrec', pick: [] });
    expect(await replayRecordedRequest(cancelled.ui)).toEqual([]);
    expect(cancelled.sent.map((x) => x.command)).toEqual(['kmirror/recording']);
    const broken = standIns({ fail: 'kmirror/recording: recording unreadable at byte offset 0: expected …' });
    expect(await replayRecordedRequest(broken.ui, '/r/bad.kmrec')).toEqual([]);
    expect(broken.messages).toEqual(['error: kmirror: kmirror/recording: recording unreadable at byte offset 0: expected …']);
  });
});
