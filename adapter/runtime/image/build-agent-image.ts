// `kmirror image build` as steps: find the agent's parts → pick a builder → build → push and/or
// load into a local cluster → save the reference for the next session. The work directory is
// removed whatever happens.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAgentImageParts } from './agent-image-parts.js';
import type { BuilderName } from './image-builder.js';
import { savedImagePath, writeSavedAgentImage, type SavedAgentImage } from './image-settings.js';
import { loadImage, type LoadOptions, type LoadTarget } from './image-loaders.js';
import { pickBuilder } from './pick-builder.js';

export interface BuildAgentImageOptions extends LoadOptions {
  ref: string;
  push?: boolean;
  load?: LoadTarget;
  builder?: BuilderName;
  /** Record the result in image.json (default true). */
  save?: boolean;
  /** One line per step done. */
  progress?: (line: string) => void;
}

export interface BuiltAgentImage {
  saved: SavedAgentImage;
  /** Where image.json was written, when it was. */
  savedPath?: string;
}

/** Builds the agent image and puts it where the options say. */
export async function buildAgentImage(opts: BuildAgentImageOptions): Promise<BuiltAgentImage> {
  const progress = opts.progress ?? (() => undefined);
  const parts = findAgentImageParts();
  const builder = await pickBuilder(opts.builder);
  const workDir = mkdtempSync(join(tmpdir(), 'kmirror-image-'));
  const placedIn: string[] = [];
  try {
    const started = Date.now();
    progress(`building ${opts.ref} with ${builder.name} …`);
    mkdirSync(join(workDir, 'build'));
    await builder.build(parts, opts.ref, join(workDir, 'build'));
    progress(`built ${opts.ref} with ${builder.name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (opts.push) {
      await builder.push(opts.ref);
      placedIn.push('registry');
      progress(`pushed ${opts.ref}`);
    }
    if (opts.load) {
      const tar = join(workDir, 'agent-image.tar');
      await builder.saveArchive(opts.ref, tar);
      const where = await loadImage(opts.load, tar, opts);
      placedIn.push(opts.load);
      progress(`loaded ${opts.ref} into ${where}`);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const saved: SavedAgentImage = { image: opts.ref, builder: builder.name, placedIn, builtAt: new Date().toISOString() };
  if (opts.save === false) return { saved };
  const path = savedImagePath();
  writeSavedAgentImage(saved, path);
  return { saved, savedPath: path };
}
