// VS Code glue for kmirror-dap: registers a DebugAdapterDescriptorFactory for the `kmirror` debug
// type (the adapter is started as chosen by adapter-choice.ts), a configuration provider that
// fills in a launch for the current file when there is no launch.json and asks for the target's
// progress as kmirror events, the notification that shows them (target-notification.ts), the
// "Replay recorded request…" command (replay-command.ts) and the "kmirror trace" output channel
// (trace-channel.ts).
import { accessSync, chmodSync, constants, existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { chooseAdapter } from './adapter-choice.js';
import { replayRecordedRequest, type ReplayUi } from './replay-command.js';
import { CLIENT_PROGRESS_FIELD, registerTargetNotification } from './target-notification.js';
import { registerTraceChannel, withTraceChannel } from './trace-channel.js';

export function activate(context: vscode.ExtensionContext): void {
  // The bundled layer launcher must stay executable even if the .vsix extraction dropped the mode.
  const layer = vscode.Uri.joinPath(context.extensionUri, 'dist', 'kmirror-layer').fsPath;
  if (existsSync(layer) && !isExecutable(layer)) chmodSync(layer, 0o755);
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('kmirror', new KmirrorAdapterFactory(context)),
    vscode.debug.registerDebugConfigurationProvider('kmirror', new KmirrorConfigurationProvider()),
    registerTargetNotification(),
    vscode.commands.registerCommand('kmirror.replayRecordedRequest', (file?: string) => replayRecordedRequest(replayUi, typeof file === 'string' ? file : undefined)),
    ...registerTraceChannel(vscode),
  );
}

const replayUi: ReplayUi = {
  activeSession: () => vscode.debug.activeDebugSession,
  pickFile: async () =>
    (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'kmirror recordings': ['kmrec'] }, title: 'Recording to replay from' }))?.[0]?.fsPath,
  pickItems: (items) => vscode.window.showQuickPick(items, { canPickMany: true, placeHolder: 'Recorded requests to replay into the debuggee' }),
  info: (message) => void vscode.window.showInformationMessage(message),
  error: (message) => void vscode.window.showErrorMessage(message),
};

export function deactivate(): void {}

class KmirrorAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly context: vscode.ExtensionContext) {}

  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    const settings = vscode.workspace.getConfiguration('kmirror');
    const choice = chooseAdapter({
      server: settings.get<string>('adapterServer'),
      adapterPath: settings.get<string>('adapterPath'),
      nodePath: settings.get<string>('nodePath'),
      defaultTarget: settings.get<string>('defaultTarget'),
      pathEnv: process.env.PATH,
      bundledAdapter: vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'kmirror-dap.js').fsPath,
      isExecutable,
    });
    if (choice.kind === 'server') return new vscode.DebugAdapterServer(choice.port, choice.host);
    return new vscode.DebugAdapterExecutable(choice.command, choice.args);
  }
}

class KmirrorConfigurationProvider implements vscode.DebugConfigurationProvider {
  // F5 without a launch.json: debug the active file against the default target. Every launch asks
  // for the target's progress as kmirror events (shown by target-notification.ts).
  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.ProviderResult<vscode.DebugConfiguration> {
    if (!config.type && !config.request && !config.name) {
      const editor = vscode.window.activeTextEditor;
      if (!editor) return undefined;
      return { type: 'kmirror', request: 'launch', name: 'kmirror: current file', program: editor.document.uri.fsPath, [CLIENT_PROGRESS_FIELD]: true };
    }
    // `trace`: the events go to the "kmirror trace" output channel, not the Debug Console.
    return withTraceChannel({ ...config, [CLIENT_PROGRESS_FIELD]: true });
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false; // not there or not executable: try the next candidate
  }
}
