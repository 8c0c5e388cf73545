// `kmirror image ref [-f CONFIG]`: the agent image a session started here would use, and why.
import { isConfigError } from '#runtime/config/errors.js';
import { loadConfig } from '#runtime/config/load.js';
import { effectiveAgentImage, savedImagePath } from '#runtime/image/image-settings.js';
import { parseCommandLine, type CliIo } from './command.js';

export const IMAGE_REF_USAGE = `usage: kmirror image ref [-f CONFIG]
  Prints the agent image a session would use: agent.image from the configuration file (default
  ./.kmirror.json), else the one kmirror image build saved, else the default.`;

export async function runImageRef(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine({ args: argv, strict: true, allowPositionals: false, options: { file: { type: 'string', short: 'f' } } });
  let configImage: string | undefined;
  try {
    const loaded = loadConfig(values.file ? { file: values.file } : {});
    configImage = loaded.config.agent?.image;
  } catch (err) {
    if (isConfigError(err)) { io.stderr(`kmirror: ${err.message}\n`); return 2; }
    throw err;
  }
  const { image, source } = effectiveAgentImage(configImage);
  const why = source === 'config' ? 'agent.image in the configuration file'
    : source === 'saved' ? `saved by kmirror image build in ${savedImagePath()}` : 'the default: no agent.image set and no image built here';
  io.stdout(`${image}\n`);
  io.stderr(`kmirror image: ${why}\n`);
  return 0;
}
