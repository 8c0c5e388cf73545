// Where the agent image a session uses comes from: the configuration's `agent.image` when set, else
// the image `kmirror image build` last produced (saved in $XDG_CONFIG_HOME/kmirror/image.json,
// ~/.config by default), else the default `kmirror/agent:<package version>`.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_AGENT_IMAGE } from '../cluster/agent-defaults.js';

/** What `kmirror image build` records for the next session. */
export interface SavedAgentImage {
  image: string;
  /** The tool that built it (docker, podman, buildah, umoci). */
  builder: string;
  /** Where it was put: a registry (`push`) or a local cluster's runtime (`containerd`, `kind`, …). */
  placedIn: string[];
  builtAt: string;
}

export type AgentImageSource = 'config' | 'saved' | 'default';

/** The file `kmirror image build` writes and sessions read. */
export function savedImagePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'kmirror', 'image.json');
}

/** The saved image, or undefined when none was saved (or the file is unreadable, which is said on stderr once). */
export function readSavedAgentImage(path = savedImagePath()): SavedAgentImage | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;   // never built here: the default applies
  }
  try {
    const saved = JSON.parse(text) as Partial<SavedAgentImage>;
    if (typeof saved.image === 'string' && saved.image) {
      return { image: saved.image, builder: saved.builder ?? '?', placedIn: saved.placedIn ?? [], builtAt: saved.builtAt ?? '?' };
    }
  } catch { /* reported below */ }
  process.stderr.write(`kmirror: ignoring ${path}: not a saved agent image (rerun kmirror image build)\n`);
  return undefined;
}

/** Records `saved` for the next session (written whole, then renamed into place). */
export function writeSavedAgentImage(saved: SavedAgentImage, path = savedImagePath()): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, `${JSON.stringify(saved, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** The image a session uses, and where that choice comes from. */
export function effectiveAgentImage(configImage?: string, path = savedImagePath()): { image: string; source: AgentImageSource } {
  if (configImage) return { image: configImage, source: 'config' };
  const saved = readSavedAgentImage(path);
  return saved ? { image: saved.image, source: 'saved' } : { image: DEFAULT_AGENT_IMAGE, source: 'default' };
}
