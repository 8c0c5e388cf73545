// The `kmirror` subcommand table: one entry per file in this folder. Add a command by adding its
// module here; names must be unique (checked by index.test.ts).
import { agentCommand } from './agent.js';
import type { CliCommand } from './command.js';
import { demoCommand } from './demo.js';
import { doctorCommand } from './doctor.js';
import { execCommand } from './exec.js';
import { imageCommand } from './image.js';
import { probeCommand } from './probe.js';
import { sessionsCommand } from './sessions.js';
import { recordCommand } from './record.js';
import { recordingCommand } from './recording.js';
import { replayCommand } from './replay.js';
import { snapshotCommand } from './snapshot.js';
import { traceCommand } from './trace.js';

export const COMMANDS: readonly CliCommand[] = [
  agentCommand, probeCommand, demoCommand, execCommand, doctorCommand, imageCommand, sessionsCommand,
  recordCommand, recordingCommand, replayCommand, traceCommand, snapshotCommand,
];
