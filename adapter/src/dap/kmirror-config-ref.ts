// The `kmirror` settings object inside a launch configuration. It is the config file's type,
// owned by the layer engineer (adapter/src/config/, contract C); until that module lands this is
// a placeholder object type so that the launch schema and validation already have the field.
// TODO(issue-5): replace with `export type { KmirrorConfig as KmirrorConfigRef } from '../config/...'`.

/** kmirror settings: the same keys as .kmirror.json (mirrord-compatible: target, feature.network, feature.fs, feature.env, agent). */
export interface KmirrorConfigRef {
  [key: string]: unknown;
}
