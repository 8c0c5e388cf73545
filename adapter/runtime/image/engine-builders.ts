// Builders for machines with a container engine: Docker, Podman (same command line) and Buildah.
// All three build agent/Dockerfile over a staged context laid out as that file expects
// (dist/kmirror-agent.js, build/native/kmirror_agent.node, build/ebpf/*.bpf.o).
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { AgentImageParts } from './agent-image-parts.js';
import type { ImageBuilder } from './image-builder.js';
import { runTool } from './run-tool.js';

/** Copies the parts into `dir` in the layout agent/Dockerfile's COPY lines name; returns the Dockerfile's path. */
export function stageDockerContext(parts: AgentImageParts, dir: string): string {
  for (const sub of ['dist', 'build/native', 'build/ebpf']) mkdirSync(join(dir, sub), { recursive: true });
  copyFileSync(parts.agentJs, join(dir, 'dist', 'kmirror-agent.js'));
  copyFileSync(parts.addon, join(dir, 'build', 'native', 'kmirror_agent.node'));
  for (const obj of parts.bpfObjects) copyFileSync(obj, join(dir, 'build', 'ebpf', basename(obj)));
  copyFileSync(parts.dockerfile, join(dir, 'Dockerfile'));
  return join(dir, 'Dockerfile');
}

/** docker or podman: `build`, `save`, `push` with the same flags. */
export function dockerLikeBuilder(name: 'docker' | 'podman'): ImageBuilder {
  return {
    name,
    async build(parts, ref, workDir) {
      const dockerfile = stageDockerContext(parts, workDir);
      await runTool(name, ['build', '-f', dockerfile, '-t', ref, workDir]);
    },
    async saveArchive(ref, tarPath) {
      await runTool(name, name === 'podman' ? ['save', '--format', 'docker-archive', '-o', tarPath, ref] : ['save', '-o', tarPath, ref]);
    },
    async push(ref) {
      await runTool(name, ['push', ref]);
    },
  };
}

export const buildahBuilder: ImageBuilder = {
  name: 'buildah',
  async build(parts, ref, workDir) {
    const dockerfile = stageDockerContext(parts, workDir);
    await runTool('buildah', ['bud', '-f', dockerfile, '-t', ref, workDir]);
  },
  async saveArchive(ref, tarPath) {
    await runTool('buildah', ['push', ref, `docker-archive:${tarPath}:${ref}`]);
  },
  async push(ref) {
    await runTool('buildah', ['push', ref, `docker://${ref}`]);
  },
};
