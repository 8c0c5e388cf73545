// One way to build the agent image, and what can be done with the result: save it as a
// docker-archive tar (what every local cluster imports) or push it to its registry.
import type { AgentImageParts } from './agent-image-parts.js';

export type BuilderName = 'docker' | 'podman' | 'buildah' | 'umoci';

export interface ImageBuilder {
  readonly name: BuilderName;
  /** Builds `ref` from `parts`; `workDir` is a fresh private directory the builder may fill. */
  build(parts: AgentImageParts, ref: string, workDir: string): Promise<void>;
  /** Writes the built `ref` as a docker-archive tar (keeps the name:tag) at `tarPath`. */
  saveArchive(ref: string, tarPath: string): Promise<void>;
  /** Pushes the built `ref` to the registry its name points at (credentials: the tool's own login). */
  push(ref: string): Promise<void>;
}
