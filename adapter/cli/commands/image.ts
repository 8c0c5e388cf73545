// `kmirror image build|ref`: the agent image — build it with what this machine has and put it where
// the cluster can pull it (image-build.ts), or print the image a session would use (image-ref.ts).
import { UsageError, type CliCommand } from './command.js';
import { IMAGE_BUILD_USAGE, runImageBuild } from './image-build.js';
import { IMAGE_REF_USAGE, runImageRef } from './image-ref.js';

const USAGE = `${IMAGE_BUILD_USAGE}\n${IMAGE_REF_USAGE}`;

export const imageCommand: CliCommand = {
  name: 'image',
  summary: 'build the agent image and put it where your cluster pulls it; print the image sessions use',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'build') return runImageBuild(rest, io);
    if (sub === 'ref') return runImageRef(rest, io);
    throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'missing subcommand (build or ref)');
  },
};
