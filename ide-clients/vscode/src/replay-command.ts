// "kmirror: Replay recorded request…": pick a .kmrec file, pick exchanges from kmirror-dap's
// `kmirror/recording` list, send `kmirror/replay` to the running kmirror debug session, so the
// debuggee's breakpoints stop on the replayed requests. The VS Code calls come in through `ui`
// so the flow is testable with a stand-in.

export interface RecordingItem {
  id: string;
  title: string;
  status: number;
  reset: boolean;
  started: string;
}

export interface ReplaySession {
  type: string;
  customRequest(command: string, args?: unknown): Thenable<unknown>;
}

export interface ReplayUi {
  activeSession(): ReplaySession | undefined;
  pickFile(): Thenable<string | undefined>;
  pickItems(items: { label: string; description: string; id: string }[]): Thenable<{ id: string }[] | undefined>;
  info(message: string): void;
  error(message: string): void;
}

/** Returns the ids sent (empty when the user cancelled or something failed, which `ui.error` reported). */
export async function replayRecordedRequest(ui: ReplayUi, file?: string): Promise<string[]> {
  const session = ui.activeSession();
  if (!session || session.type !== 'kmirror') {
    ui.error('kmirror: start a kmirror debug session first; the recorded requests are replayed into its program.');
    return [];
  }
  const path = file ?? (await ui.pickFile());
  if (!path) return [];
  try {
    const listing = (await session.customRequest('kmirror/recording', { file: path })) as { items: RecordingItem[]; warnings: string[] };
    for (const w of listing.warnings) ui.info(`kmirror: ${w}`);
    if (listing.items.length === 0) {
      ui.error(`kmirror: ${path} holds nothing to replay.`);
      return [];
    }
    const picked = await ui.pickItems(listing.items.map((i) => ({ label: i.title, description: `${i.started}${failing(i) ? ' · failed' : ''}`, id: i.id })));
    if (!picked?.length) return [];
    const ids = picked.map((p) => p.id);
    const started = (await session.customRequest('kmirror/replay', { file: path, ids })) as { host: string; port: number };
    ui.info(`kmirror: replaying ${ids.length === 1 ? `request ${ids[0]}` : `${ids.length} requests`} into ${started.host}:${started.port}`);
    return ids;
  } catch (err) {
    ui.error(`kmirror: ${(err as Error).message}`);
    return [];
  }
}

function failing(i: RecordingItem): boolean {
  return i.reset || i.status >= 500;
}
