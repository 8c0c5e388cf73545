// The files the agent image is made of, taken from this installation: the agent bundle, its native
// addon and the BPF objects (dist/ of an installed package or a built checkout), and the agent's
// Dockerfile for the builders that read one.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findAgentBundle } from '../tunnel/local-agent.js';
import { ImageError } from './image-error.js';

export interface AgentImageParts {
  agentJs: string;
  addon: string;
  bpfObjects: string[];
  /** agent/Dockerfile (shipped in the package); its COPY lines name dist/, build/native/, build/ebpf/. */
  dockerfile: string;
}

const firstExisting = (paths: string[]): string | undefined => paths.find((p) => existsSync(p));

/** Finds every part; throws PART_MISSING naming what this installation lacks. */
export function findAgentImageParts(): AgentImageParts {
  let agentJs: string;
  try {
    agentJs = findAgentBundle();
  } catch (err) {
    throw new ImageError('PART_MISSING', 'the agent bundle kmirror-agent.js is not in this installation (in a checkout: bash scripts/build.sh)', { cause: err });
  }
  const dist = dirname(agentJs);
  const addon = firstExisting([join(dist, 'kmirror_agent.node'), join(dist, '..', 'build', 'native', 'kmirror_agent.node')]);
  const bpfDir = firstExisting([join(dist, 'ebpf'), join(dist, '..', 'build', 'ebpf')]);
  const bpfObjects = bpfDir ? readdirSync(bpfDir).filter((n) => n.endsWith('.bpf.o')).map((n) => join(bpfDir, n)) : [];
  let dockerfile: string | undefined;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    dockerfile = firstExisting([join(dir, 'agent', 'Dockerfile')]);
    if (dockerfile || dirname(dir) === dir) break;
  }
  const missing = [...(addon ? [] : ['kmirror_agent.node']), ...(bpfObjects.length ? [] : ['ebpf/*.bpf.o']), ...(dockerfile ? [] : ['agent/Dockerfile'])];
  if (missing.length || !addon || !dockerfile) {
    throw new ImageError('PART_MISSING', `the agent's ${missing.join(', ')} not found beside ${agentJs} (in a checkout: bash scripts/build.sh)`);
  }
  return { agentJs, addon, bpfObjects, dockerfile };
}
