import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_IMAGE } from '../cluster/agent-defaults.js';
import { effectiveAgentImage, readSavedAgentImage, savedImagePath, writeSavedAgentImage } from './image-settings.js';

const dirs: string[] = [];
const tempFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'kmirror-image-settings-'));
  dirs.push(dir);
  return join(dir, 'kmirror', 'image.json');
};
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('the agent image a session uses', () => {
  it('lives under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(savedImagePath({ XDG_CONFIG_HOME: '/x' })).toBe('/x/kmirror/image.json');
    expect(savedImagePath({})).toMatch(/\/\.config\/kmirror\/image\.json$/);
  });

  it('is the configuration\'s agent.image, else the saved one, else the default', () => {
    const path = tempFile();
    expect(effectiveAgentImage(undefined, path)).toEqual({ image: DEFAULT_AGENT_IMAGE, source: 'default' });
    writeSavedAgentImage({ image: 'reg.example/kmirror-agent:1', builder: 'umoci', placedIn: ['registry'], builtAt: 'now' }, path);
    expect(readSavedAgentImage(path)).toEqual({ image: 'reg.example/kmirror-agent:1', builder: 'umoci', placedIn: ['registry'], builtAt: 'now' });
    expect(effectiveAgentImage(undefined, path)).toEqual({ image: 'reg.example/kmirror-agent:1', source: 'saved' });
    expect(effectiveAgentImage('mine:2', path)).toEqual({ image: 'mine:2', source: 'config' });
  });

  it('ignores an unreadable saved file (the default applies)', () => {
    const path = tempFile();
    writeSavedAgentImage({ image: 'x:1', builder: 'docker', placedIn: [], builtAt: 'now' }, path);
    writeFileSync(path, '{ not json');
    expect(effectiveAgentImage(undefined, path).source).toBe('default');
  });
});
