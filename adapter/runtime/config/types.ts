// The kmirror configuration file (.kmirror.json or `-f FILE`, also the `kmirror` object of a DAP
// launch configuration). Keys follow mirrord's configuration where the feature is the same, so an
// existing mirrord.json works unchanged for what kmirror has. Every key carries a description:
// the JSON Schema is generated from this file.

/** A pattern list: an array of strings, or one string with entries separated by ";" (mirrord style). */
export type PatternList = string | string[];

/** The target: which process's network, files and environment the local program uses. */
export interface TargetConfig {
  /** Target path: pid/N, netns/NAME, pod/NAME, deploy/NAME, statefulset/NAME, rollout/NAME, job/NAME, svc/NAME, optionally followed by /container/NAME, or "targetless". */
  path?: string;
  /** Kubernetes namespace of the target (default: the context's namespace). */
  namespace?: string;
}

/** How the agent is started. */
export interface AgentConfig {
  /** Kubernetes namespace in which the agent runs (default: the target's namespace). */
  namespace?: string;
  /** Agent container image. */
  image?: string;
  /** Kubernetes image pull policy of the agent container: Always, IfNotPresent or Never. */
  image_pull_policy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Seconds the agent stays alive after its last client disconnected. */
  ttl?: number;
  /** Run the agent as an ephemeral container in the target pod instead of a node job. */
  ephemeral?: boolean;
  /** Agent log level: error, warn, info or debug. */
  log_level?: string;
  /** Seconds to wait for the agent to become ready. */
  startup_timeout?: number;
}

/** The debugger container of a remote attach of Go: an ephemeral container in the target pod. */
export interface DebuggerConfig {
  /** Debugger container image (dlv); default kmirror/debugger:<version> (debugger/Dockerfile). */
  image?: string;
  /** Kubernetes image pull policy of the debugger container: Always, IfNotPresent or Never. */
  image_pull_policy?: 'Always' | 'IfNotPresent' | 'Never';
}

/** Which of the target's environment variables the local program gets. */
export interface EnvConfig {
  /** Only these variables are taken from the target (patterns with * wildcards; ";"-separated string or list). */
  include?: PatternList;
  /** These variables are never taken from the target (patterns with * wildcards). */
  exclude?: PatternList;
  /** Variables set to these values regardless of the target. */
  override?: Record<string, string>;
  /** mirrord's env_file: a file of NAME=VALUE lines (.env format) whose variables win over the target's (`override` wins over them); a relative path is relative to the working directory. */
  env_file?: string;
}

/** File access mode: local (everything local), localwithoverrides (local except the listed patterns), read (read the target's files, write locally), write (read and write the target's files). */
export type FsMode = 'local' | 'localwithoverrides' | 'read' | 'write';

/** Which files are opened in the target's root. */
export interface FsConfig {
  /** Default mode for paths not matched by a pattern list. */
  mode?: FsMode;
  /** Paths (regexes) read and written in the target. */
  read_write?: PatternList;
  /** Paths (regexes) read from the target; writes stay local. */
  read_only?: PatternList;
  /** Paths (regexes) always opened locally. */
  local?: PatternList;
  /** Paths (regexes) that appear not to exist. */
  not_found?: PatternList;
  /** mirrord's path mapping: regex → replacement ($1…); a matching absolute path is read in the target under its replaced name. */
  mapping?: Record<string, string>;
}

/** Filter for outgoing traffic: give either `local` or `remote`. Entries are "address[/prefix][:port]" or "hostname[:port]" or ":port". */
export interface OutgoingFilterConfig {
  /** Destinations reached from the workstation; everything else goes through the target. */
  local?: PatternList;
  /** Destinations reached through the target; everything else stays on the workstation. */
  remote?: PatternList;
}

/** Connections the local program makes. */
export interface OutgoingConfig {
  /** Send TCP connections through the target. */
  tcp?: boolean;
  /** Send UDP traffic through the target. */
  udp?: boolean;
  /** Which destinations go through the target. */
  filter?: OutgoingFilterConfig;
  /** Connections to localhost stay local (always true in kmirror: loopback is never redirected). */
  ignore_localhost?: boolean;
  /** Regexes of Unix stream socket paths connected inside the target (mirrord's `unix_streams`). */
  unix_streams?: PatternList;
}

/** DNS resolution inside the target (its /etc/resolv.conf and /etc/hosts; queries answered by its nameserver). */
export interface DnsConfig {
  /** Resolve names like the target does. */
  enabled?: boolean;
}

/** mirrord-style HTTP filter: steal only matching requests (regexes). */
export interface HttpFilterConfig {
  /** Regex over "Name: value" header lines. */
  header_filter?: string;
  /** Regex over the request path. */
  path_filter?: string;
  /** Regex over the request method. */
  method_filter?: string;
  /** Every filter in the list must match. */
  all_of?: HttpFilterConfig[];
  /** Any filter in the list must match. */
  any_of?: HttpFilterConfig[];
  /** Ports the filter applies to (default: every stolen port). */
  ports?: number[];
}

/** Traffic arriving at the target that the local program receives. */
export interface IncomingConfig {
  /** off: nothing; mirror: a copy of the target's incoming traffic; steal: the traffic itself. */
  mode?: 'off' | 'mirror' | 'steal';
  /** Only these (remote) ports are subscribed (default: every port the program listens on). */
  ports?: number[];
  /** Ports that are never subscribed. */
  ignore_ports?: number[];
  /** [local_port, remote_port] pairs: the program's local port and the target port it stands for. */
  port_mapping?: Array<[number, number]>;
  /** Only requests matching this filter are stolen (steal) or copied to the program (mirror). */
  http_filter?: HttpFilterConfig;
  /** true: a program listening on localhost only is not subscribed (default false: it is, as in mirrord). */
  ignore_localhost?: boolean;
}

/** Network features. */
export interface NetworkConfig {
  /** Incoming traffic; a string is the mode. */
  incoming?: IncomingConfig | 'off' | 'mirror' | 'steal';
  /** Outgoing traffic; a boolean enables or disables both TCP and UDP. */
  outgoing?: OutgoingConfig | boolean;
  /** DNS; a boolean is `enabled`. */
  dns?: DnsConfig | boolean;
}

/** copy_target: the session works on a copy of the target pod that no Service selects. */
export interface CopyTargetConfig {
  /** Scale the target's Deployment to 0 while the copy serves; restored when the last such session ends. */
  scale_down?: boolean;
}

/** What the local program takes from the target. */
export interface FeatureConfig {
  /** Work on a copy of the target pod (same spec, labels no Service selects), removed when the session ends; an object sets scale_down. */
  copy_target?: CopyTargetConfig | boolean;
  /** Environment; a boolean enables or disables it. */
  env?: EnvConfig | boolean;
  /** Files; a string is the mode, a boolean means read (true) or local (false). */
  fs?: FsConfig | FsMode | boolean;
  /** Network; a boolean enables or disables every network feature. */
  network?: NetworkConfig | boolean;
  /** uname()/gethostname() return the target's hostname (its /etc/hostname: the pod's name). Default true. */
  hostname?: boolean;
}

/** kmirror configuration (.kmirror.json): mirrord-compatible keys. */
export interface KmirrorConfig {
  /** The target, as a path string or an object with path and namespace. */
  target?: string | TargetConfig;
  /** Kubernetes context (default: the current context). */
  kube_context?: string;
  /** Executables (basenames or paths) whose system calls the layer never changes. */
  skip_processes?: PatternList;
  /** Also skip the usual build tools (go, gcc, cc1, ld, make, cargo, ...). Default true. */
  skip_build_tools?: boolean;
  /** Agent settings. */
  agent?: AgentConfig;
  /** Remote attach of Go: the debugger container placed in the target pod. */
  debugger?: DebuggerConfig;
  /** Features taken from the target. */
  feature?: FeatureConfig;
}
