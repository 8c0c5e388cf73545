// Chooses the builder the machine can run: Docker or Podman whose daemon/service answers, else
// Buildah, else umoci + skopeo (registry-free). A missing choice names every tool and why it was not usable.
import { buildahBuilder, dockerLikeBuilder } from './engine-builders.js';
import type { BuilderName, ImageBuilder } from './image-builder.js';
import { ImageError } from './image-error.js';
import { rootfsBuilder } from './rootfs-builder.js';
import { toolAnswers } from './run-tool.js';

/** In order of preference: each builder with the commands that must answer for it to be usable. */
const CANDIDATES: { builder: ImageBuilder; probes: [string, string[]][] }[] = [
  { builder: dockerLikeBuilder('docker'), probes: [['docker', ['info', '--format', '{{.ServerVersion}}']]] },
  { builder: dockerLikeBuilder('podman'), probes: [['podman', ['info', '--format', '{{.Version.Version}}']]] },
  { builder: buildahBuilder, probes: [['buildah', ['version']]] },
  { builder: rootfsBuilder, probes: [['umoci', ['--version']], ['skopeo', ['--version']]] },
];

export const BUILDER_NAMES: readonly BuilderName[] = CANDIDATES.map((c) => c.builder.name);

/** The first usable builder (or `only`, which must then be usable); TOOL_MISSING lists what was tried. */
export async function pickBuilder(only?: BuilderName): Promise<ImageBuilder> {
  const tried: string[] = [];
  for (const { builder, probes } of CANDIDATES) {
    if (only && builder.name !== only) continue;
    let usable = true;
    for (const [cmd, args] of probes) {
      const answer = await toolAnswers(cmd, args);
      if (!answer.ok) {
        tried.push(`${builder.name}: ${answer.why}`);
        usable = false;
        break;
      }
    }
    if (usable) return builder;
  }
  throw new ImageError('TOOL_MISSING', `no way to build the agent image on this machine; install one of Docker or Podman (running), ` +
    `Buildah, or umoci + skopeo (registry-free). Tried: ${tried.join('; ')}`);
}
