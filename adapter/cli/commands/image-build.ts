// `kmirror image build`: builds the agent image (Docker, Podman, Buildah, else umoci + skopeo),
// pushes it and/or loads it into a local cluster, saves the reference for the next session and
// prints the `agent.image` setting that selects it explicitly.
import { DEFAULT_AGENT_IMAGE } from '#runtime/cluster/agent-defaults.js';
import { buildAgentImage } from '#runtime/image/build-agent-image.js';
import type { BuilderName } from '#runtime/image/image-builder.js';
import { LOAD_TARGETS, type LoadTarget } from '#runtime/image/image-loaders.js';
import { BUILDER_NAMES } from '#runtime/image/pick-builder.js';
import { parseCommandLine, UsageError, type CliIo } from './command.js';

export const IMAGE_BUILD_USAGE = `usage: kmirror image build [--tag REF] [--push] [--load ${LOAD_TARGETS.join('|')}] [--builder ${BUILDER_NAMES.join('|')}]
                           [--containerd-socket PATH] [--containerd-namespace NS] [--cluster NAME] [--no-save]
  Builds the agent image (default tag ${DEFAULT_AGENT_IMAGE}) with Docker, Podman or Buildah when present,
  else umoci + skopeo. --push sends it to the registry named by --tag (log in with your tool first);
  --load imports it into a local cluster (containerd: default socket /run/containerd/containerd.sock,
  namespace k8s.io; kind/k3d cluster or minikube profile: --cluster). The reference is saved for the
  next session (~/.config/kmirror/image.json) unless --no-save.`;

export async function runImageBuild(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine({
    args: argv, strict: true, allowPositionals: false,
    options: {
      tag: { type: 'string', short: 't' }, push: { type: 'boolean' }, load: { type: 'string' }, builder: { type: 'string' },
      'containerd-socket': { type: 'string' }, 'containerd-namespace': { type: 'string' }, cluster: { type: 'string' },
      'no-save': { type: 'boolean' },
    },
  });
  const load = values.load as LoadTarget | undefined;
  if (load !== undefined && !LOAD_TARGETS.includes(load)) throw new UsageError(`--load must be one of ${LOAD_TARGETS.join(', ')}, got "${values.load}"`);
  const builder = values.builder as BuilderName | undefined;
  if (builder !== undefined && !BUILDER_NAMES.includes(builder)) throw new UsageError(`--builder must be one of ${BUILDER_NAMES.join(', ')}, got "${values.builder}"`);
  const ref = values.tag ?? DEFAULT_AGENT_IMAGE;
  // A push without a tag would go to Docker Hub's kmirror/agent, which the user cannot write to.
  if (values.push && values.tag === undefined) throw new UsageError('--push needs --tag REGISTRY/REPOSITORY:TAG (a registry your cluster can pull from)');
  const built = await buildAgentImage({
    ref, ...(values.push ? { push: true } : {}), ...(load ? { load } : {}), ...(builder ? { builder } : {}),
    ...(values['containerd-socket'] !== undefined ? { containerdSocket: values['containerd-socket'] } : {}),
    ...(values['containerd-namespace'] !== undefined ? { containerdNamespace: values['containerd-namespace'] } : {}),
    ...(values.cluster !== undefined ? { cluster: values.cluster } : {}),
    save: !values['no-save'],
    progress: (line) => io.stderr(`kmirror image: ${line}\n`),
  });
  if (!values.push && !load) {
    io.stderr('kmirror image: the image is only on this machine: add --push (with a registry --tag) or --load for your cluster to pull it\n');
  }
  io.stderr(built.savedPath
    ? `kmirror image: sessions now use ${ref} (saved in ${built.savedPath}); to pin it in a configuration file:\n`
    : 'kmirror image: not saved; to use it, set in the configuration file:\n');
  io.stdout(`${JSON.stringify({ agent: { image: ref } })}\n`);
  return 0;
}
