// The one Target type and its one parser, shared by the agent and the workstation. A target
// string names where the user's program runs "inside": a Kubernetes object (pod/NAME,
// deploy/NAME, … optionally /container/NAME), `targetless` (a plain agent pod), or a local
// process or network namespace (pid/N, netns/NAME). `container-id/ID` is the node agent's own
// form, written by kmirror when it places the agent on the target's node.
//
// Adding a kind: one entry in SYNTAX below (its words, its form for error messages, its parse),
// a member of the Target union, its placement (adapter/runtime/placement/) and its docs.
// Pure; throws TargetError.
import { KmError } from './km-error.js';

export const KUBE_KINDS = ['pod', 'deployment', 'statefulset', 'rollout', 'job', 'service'] as const;
export type KubeKind = (typeof KUBE_KINDS)[number];

/** A Kubernetes object whose pod (a ready one, for workloads) holds the target container. */
export interface KubeTarget {
  readonly kind: KubeKind;
  readonly name: string;
  /** Explicit container (/container/NAME or -c NAME); else chosen from the pod. */
  readonly container?: string;
  /** Explicit namespace (-n or the config's target.namespace); else the context's. */
  readonly namespace?: string;
}

/** No target: a plain agent pod serving outgoing traffic and DNS. */
export interface TargetlessTarget {
  readonly kind: 'targetless';
  readonly namespace?: string;
}

/** A local process: its network namespace, root and environment. */
export interface PidTarget {
  readonly kind: 'pid';
  readonly pid: number;
}

/** A named network namespace (/var/run/netns/NAME). */
export interface NetnsTarget {
  readonly kind: 'netns';
  readonly name: string;
}

/** A container found by its runtime ID in /proc/N/cgroup (the node agent's target). */
export interface ContainerIdTarget {
  readonly kind: 'container-id';
  /** Hex runtime ID without a "containerd://"-style prefix. */
  readonly id: string;
}

export type Target = KubeTarget | TargetlessTarget | PidTarget | NetnsTarget | ContainerIdTarget;
export type TargetKind = Target['kind'];

/** What a user may name (container-id is written by kmirror only). */
export const USER_TARGET_KINDS: readonly TargetKind[] = [...KUBE_KINDS, 'targetless', 'pid', 'netns'];
/** What runs on this machine, without a cluster. */
export const LOCAL_TARGET_KINDS: readonly TargetKind[] = ['pid', 'netns'];
/** What an agent process serves. */
export const AGENT_TARGET_KINDS: readonly TargetKind[] = ['pid', 'netns', 'container-id'];

const BRAND = Symbol.for('kmirror.TargetError');

/** A target string (or the container it names) is wrong; the message names the input. */
export class TargetError extends KmError<'target'> {
  override name = 'TargetError' as const;
  readonly [BRAND] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super('target', 'INVALID_TARGET', message, options);
  }
}

/** True for a TargetError from any bundle. */
export function isTargetError(err: unknown): err is TargetError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
}

/** True for the Kubernetes object kinds. */
export function isKubeTarget(target: Target): target is KubeTarget {
  return (KUBE_KINDS as readonly string[]).includes(target.kind);
}

export interface ParseTargetOptions {
  /** Kinds accepted here; others are rejected naming these. Default USER_TARGET_KINDS. */
  kinds?: readonly TargetKind[];
  /** -c NAME: the container of a Kubernetes target (must agree with /container/NAME). */
  container?: string;
  /** -n NAME: the namespace of a Kubernetes or targetless target; local kinds have none and ignore it. */
  namespace?: string;
}

interface Syntax {
  readonly kind: TargetKind;
  /** The kind words, lowercase; the first is the one error messages show. */
  readonly words: readonly string[];
  /** The form shown in error messages. */
  readonly form: string;
  /** `rest` is the text after "word/" (undefined when there is no "/"). */
  parse(rest: string | undefined, input: string, opts: ParseTargetOptions): Target;
}

// RFC 1123 subdomain (object names) and label (container names, namespaces).
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// A positive decimal without leading zeros: pid 0 is not a process (it is the kernel's idle task).
const PID = /^[1-9]\d{0,9}$/;
const NETNS_NAME = /^[A-Za-z0-9_.-]+$/;
const CONTAINER_ID = /^[0-9a-f]{12,128}$/;

function checkNamespace(namespace: string | undefined): string | undefined {
  if (namespace !== undefined && (namespace.length > 63 || !LABEL.test(namespace))) {
    throw new TargetError(`"${namespace}" is not a valid namespace name (lowercase RFC 1123 label)`);
  }
  return namespace;
}

function kubeSyntax(kind: KubeKind, words: readonly string[]): Syntax {
  return {
    kind, words, form: `${words[0]}/NAME`,
    parse(rest, input, opts) {
      const [name = '', ...more] = (rest ?? '').split('/');
      const word = input.split('/', 1)[0];
      if (!name) throw new TargetError(`target "${input}" has no name; write ${word}/NAME`);
      if (name.length > 253 || !SUBDOMAIN.test(name)) {
        throw new TargetError(`"${name}" in target "${input}" is not a valid Kubernetes object name (lowercase RFC 1123 subdomain)`);
      }
      let container: string | undefined;
      if (more.length > 0) {
        if (more[0] !== 'container' || more.length !== 2 || !more[1]) {
          throw new TargetError(`target "${input}": after ${word}/${name} only /container/NAME may follow`);
        }
        container = more[1];
      }
      if (opts.container !== undefined) {
        if (container !== undefined && container !== opts.container) {
          throw new TargetError(`target "${input}" names container "${container}" but -c names "${opts.container}"; give one`);
        }
        container = opts.container;
      }
      if (container !== undefined && (container.length > 63 || !LABEL.test(container))) {
        throw new TargetError(`"${container}" is not a valid container name (lowercase RFC 1123 label)`);
      }
      const namespace = checkNamespace(opts.namespace);
      return { kind, name, ...(container !== undefined ? { container } : {}), ...(namespace !== undefined ? { namespace } : {}) };
    },
  };
}

function noContainerOption(input: string, opts: ParseTargetOptions, form: string): void {
  if (opts.container !== undefined) throw new TargetError(`target "${input}": a container (-c ${opts.container}) applies only to Kubernetes objects, not to ${form}`);
}

const SYNTAX: readonly Syntax[] = [
  kubeSyntax('pod', ['pod', 'pods', 'po']),
  kubeSyntax('deployment', ['deploy', 'deployment', 'deployments']),
  kubeSyntax('statefulset', ['statefulset', 'statefulsets', 'sts']),
  kubeSyntax('rollout', ['rollout', 'rollouts', 'ro']),
  kubeSyntax('job', ['job', 'jobs']),
  kubeSyntax('service', ['svc', 'service', 'services']),
  {
    kind: 'targetless', words: ['targetless'], form: 'targetless',
    parse(rest, input, opts) {
      if (rest !== undefined) throw new TargetError(`target "${input}": targetless takes nothing after it`);
      noContainerOption(input, opts, 'targetless');
      const namespace = checkNamespace(opts.namespace);
      return { kind: 'targetless', ...(namespace !== undefined ? { namespace } : {}) };
    },
  },
  {
    kind: 'pid', words: ['pid'], form: 'pid/N',
    parse(rest, input, opts) {
      if (rest === undefined || !PID.test(rest)) throw new TargetError(`bad target "${input}": pid/N needs a process ID (a positive integer, e.g. pid/1234)`);
      noContainerOption(input, opts, 'pid/N');
      return { kind: 'pid', pid: Number(rest) };
    },
  },
  {
    kind: 'netns', words: ['netns'], form: 'netns/NAME',
    parse(rest, input, opts) {
      if (rest === undefined || !NETNS_NAME.test(rest) || rest === '.' || rest === '..') {
        throw new TargetError(`bad target "${input}": netns/NAME needs the name of a network namespace in /var/run/netns (letters, digits, "_", "-", ".")`);
      }
      noContainerOption(input, opts, 'netns/NAME');
      return { kind: 'netns', name: rest };
    },
  },
  {
    kind: 'container-id', words: ['container-id'], form: 'container-id/ID',
    parse(rest, input, opts) {
      const id = (rest ?? '').replace(/^[a-z0-9-]+:\/\//, '');
      if (!CONTAINER_ID.test(id)) throw new TargetError(`bad target "${input}": expected container-id/<hex runtime ID>`);
      noContainerOption(input, opts, 'container-id/ID');
      return { kind: 'container-id', id };
    },
  },
];

/** "pod/NAME, deploy/NAME, …" for the kinds in `kinds`. */
export function describeTargetForms(kinds: readonly TargetKind[] = USER_TARGET_KINDS): string {
  const forms = SYNTAX.filter((s) => kinds.includes(s.kind)).map((s) => s.form);
  const kube = kinds.some((k) => (KUBE_KINDS as readonly string[]).includes(k));
  return forms.join(', ') + (kube ? ' (Kubernetes objects optionally followed by /container/NAME)' : '');
}

/** Parses a target string; throws TargetError naming the input and the accepted forms. */
export function parseTarget(text: string, opts: ParseTargetOptions = {}): Target {
  const kinds = opts.kinds ?? USER_TARGET_KINDS;
  const input = text.trim();
  const slash = input.indexOf('/');
  const word = (slash < 0 ? input : input.slice(0, slash)).toLowerCase();
  const syntax = SYNTAX.find((s) => s.words.includes(word));
  if (!syntax || !kinds.includes(syntax.kind)) {
    const what = !input ? 'no target given' : `bad target "${input}": ${syntax ? `kind "${word}" is not accepted here` : `unknown kind "${word}"`}`;
    throw new TargetError(`${what}; expected ${describeTargetForms(kinds)}`);
  }
  return syntax.parse(slash < 0 ? undefined : input.slice(slash + 1), input, opts);
}

/** The canonical string of a target (its namespace is not part of it): parseTarget(formatTarget(t)) equals t without namespace. */
export function formatTarget(target: Target): string {
  switch (target.kind) {
    case 'targetless': return 'targetless';
    case 'pid': return `pid/${target.pid}`;
    case 'netns': return `netns/${target.name}`;
    case 'container-id': return `container-id/${target.id}`;
    default: return `${target.kind}/${target.name}${target.container !== undefined ? `/container/${target.container}` : ''}`;
  }
}
