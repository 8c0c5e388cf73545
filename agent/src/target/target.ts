// What the agent serves: a target (pid/N, netns/NAME or container-id/ID, parsed by the shared
// parser in #proto/runtime/target.ts) resolved by ./resolve.ts to the paths of its network
// namespace, root filesystem and environment.
export interface AgentTarget {
  /** The target string as given, e.g. "pid/1234" or "netns/demo". */
  readonly spec: string;
  /** The target process (pid and container-id targets). */
  readonly pid?: number;
  /** The named network namespace (netns targets), whose /etc/netns/NAME may hold its own resolv.conf/hosts. */
  readonly netnsName?: string;
  /** A file whose open fd names the network namespace (/proc/N/ns/net or /var/run/netns/NAME). */
  readonly netnsPath: string;
  /** Inode of that namespace, used to verify every socket created in it (SIOCGSKNS). */
  readonly netnsIno: number;
  /** The root filesystem as seen by the target (/proc/N/root, or / for a netns target). */
  readonly rootPath: string;
  /** The target's environ file (/proc/N/environ), absent for a netns target. */
  readonly environPath?: string;
}
