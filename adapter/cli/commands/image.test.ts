import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_IMAGE } from '#runtime/cluster/agent-defaults.js';
import { writeSavedAgentImage } from '#runtime/image/image-settings.js';
import { UsageError, type CliIo } from './command.js';
import { imageCommand } from './image.js';

let dir: string;
let savedXdg: string | undefined;
const out = { stdout: '', stderr: '' };
const io: CliIo = { stdout: (t) => { out.stdout += t; }, stderr: (t) => { out.stderr += t; } };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kmirror-image-cli-'));
  savedXdg = process.env.XDG_CONFIG_HOME;
  process.env.XDG_CONFIG_HOME = dir;
  out.stdout = out.stderr = '';
});
afterEach(() => {
  if (savedXdg === undefined) delete process.env.XDG_CONFIG_HOME;
  else process.env.XDG_CONFIG_HOME = savedXdg;
  rmSync(dir, { recursive: true, force: true });
});

describe('kmirror image', () => {
  it('refuses bad command lines before building anything', async () => {
    await expect(imageCommand.run([], io)).rejects.toThrow(UsageError);
    await expect(imageCommand.run(['bake'], io)).rejects.toThrow(/unknown subcommand "bake"/);
    await expect(imageCommand.run(['build', '--push'], io)).rejects.toThrow(/--push needs --tag REGISTRY\/REPOSITORY:TAG/);
    await expect(imageCommand.run(['build', '--load', 'docker-desktop'], io)).rejects.toThrow(/--load must be one of containerd, kind, minikube, k3d/);
    await expect(imageCommand.run(['build', '--builder', 'kaniko'], io)).rejects.toThrow(/--builder must be one of docker, podman, buildah, umoci/);
  });

  it('ref prints the default, then the saved image, then the configuration\'s', async () => {
    const cwd = process.cwd();
    process.chdir(dir);   // no ./.kmirror.json here
    try {
      expect(await imageCommand.run(['ref'], io)).toBe(0);
      expect(out.stdout).toBe(`${DEFAULT_AGENT_IMAGE}\n`);
      writeSavedAgentImage({ image: 'reg.example/kmirror-agent:7', builder: 'umoci', placedIn: ['registry'], builtAt: 'now' }, join(dir, 'kmirror', 'image.json'));
      out.stdout = '';
      await imageCommand.run(['ref'], io);
      expect(out.stdout).toBe('reg.example/kmirror-agent:7\n');
      expect(out.stderr).toContain(`saved by kmirror image build in ${join(dir, 'kmirror', 'image.json')}`);
      writeFileSync(join(dir, '.kmirror.json'), JSON.stringify({ agent: { image: 'pinned:1' } }));
      out.stdout = '';
      await imageCommand.run(['ref'], io);
      expect(out.stdout).toBe('pinned:1\n');
    } finally {
      process.chdir(cwd);
    }
  });
});
