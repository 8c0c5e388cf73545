// The `kmirror` settings object inside a launch configuration: the config file's own type
// (owned by the layer engineer, adapter/runtime/config/), so one schema describes both.
export type { KmirrorConfig as KmirrorConfigRef } from '#runtime/config/types.js';
