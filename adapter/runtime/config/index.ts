// The configuration module's public surface.
export type * from './types.js';
export { ConfigError, isConfigError } from './errors.js';
export { loadConfig, parseConfig, DEFAULT_CONFIG_FILE, type LoadedConfig } from './load.js';
export { validateConfig } from './validate.js';
export { resolvePolicy, BUILD_TOOLS, DEBUGGERS, type SessionPolicy, type OutgoingRule } from './policy.js';
