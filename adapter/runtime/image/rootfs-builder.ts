// The registry-free builder (no daemon, no base image to pull): umoci makes an empty OCI image,
// its root filesystem is filled from this machine — this Node binary and the shared libraries ldd
// lists for it and for the agent's native addon — plus the agent under /opt/kmirror/dist/, then
// skopeo turns it into a docker-archive tar. The same route as the project's test cluster images
// (test/cluster/images/), and the same entrypoint as agent/Dockerfile.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { AgentImageParts } from './agent-image-parts.js';
import type { ImageBuilder } from './image-builder.js';
import { ImageError } from './image-error.js';
import { runTool } from './run-tool.js';

const NODE_IN_IMAGE = '/usr/bin/node';
const AGENT_DIR = '/opt/kmirror/dist';
const archiveOf = (workDir: string): string => join(workDir, 'image.tar');
// Per built ref: where its archive lies (one `kmirror image build` process builds one image).
const archives = new Map<string, string>();

/** Absolute paths of the shared libraries `file` loads (and the dynamic loader), as ldd reports them. */
export function sharedLibraries(file: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return [];   // a static binary: ldd exits 1 ("not a dynamic executable")
  }
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs;
}

function copyInto(root: string, from: string, to = from): void {
  mkdirSync(dirname(join(root, to)), { recursive: true });
  copyFileSync(from, join(root, to));   // follows symlinks: the image gets the file itself
}

/** Fills `root` with Node, the agent and every library they load. */
export function fillAgentRootfs(root: string, parts: AgentImageParts): void {
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'tmp'), { recursive: true });
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\n');
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\n');
  copyInto(root, process.execPath, NODE_IN_IMAGE);
  copyInto(root, parts.agentJs, `${AGENT_DIR}/kmirror-agent.js`);
  copyInto(root, parts.addon, `${AGENT_DIR}/kmirror_agent.node`);
  for (const obj of parts.bpfObjects) copyInto(root, obj, `${AGENT_DIR}/ebpf/${basename(obj)}`);
  for (const lib of new Set([...sharedLibraries(process.execPath), ...sharedLibraries(parts.addon)])) {
    if (!existsSync(join(root, lib))) copyInto(root, lib);
  }
}

export const rootfsBuilder: ImageBuilder = {
  name: 'umoci',
  async build(parts, ref, workDir) {
    const layout = join(workDir, 'oci');
    const image = `${layout}:latest`;
    const bundle = join(workDir, 'bundle');
    await runTool('umoci', ['init', '--layout', layout]);
    await runTool('umoci', ['new', '--image', image]);
    await runTool('umoci', ['unpack', '--rootless', '--image', image, bundle]);
    fillAgentRootfs(join(bundle, 'rootfs'), parts);
    await runTool('umoci', ['repack', '--image', image, bundle]);
    await runTool('umoci', ['config', '--image', image, '--os', 'linux', '--architecture', 'amd64', '--config.workingdir', '/',
      '--config.env', 'PATH=/usr/local/bin:/usr/bin:/bin', '--config.entrypoint', NODE_IN_IMAGE, '--config.entrypoint', `${AGENT_DIR}/kmirror-agent.js`]);
    await runTool('skopeo', ['copy', '--quiet', `oci:${image}`, `docker-archive:${archiveOf(workDir)}:${ref}`]);
    archives.set(ref, archiveOf(workDir));
  },
  async saveArchive(ref, tarPath) {
    const built = archives.get(ref);
    if (!built) throw new ImageError('PART_MISSING', `image ${ref} was not built by this run`);
    if (built !== tarPath) copyFileSync(built, tarPath);
  },
  async push(ref) {
    const built = archives.get(ref);
    if (!built) throw new ImageError('PART_MISSING', `image ${ref} was not built by this run`);
    await runTool('skopeo', ['copy', '--quiet', `docker-archive:${built}`, `docker://${ref}`]);
  },
};
