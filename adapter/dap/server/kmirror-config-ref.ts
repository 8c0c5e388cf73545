// The `kmirror` settings object inside a launch configuration: the config file's own type
// (KmirrorConfig in adapter/runtime/config/types.ts), so one schema describes both.
export type { KmirrorConfig as KmirrorConfigRef } from '#runtime/config/types.js';
