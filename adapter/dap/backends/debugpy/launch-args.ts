// Pure translation of a kmirror config into debugpy's launch/attach arguments.
import { resolve } from 'node:path';
import { passThroughFields, type BackendLaunchConfig } from '../contract.js';

export function debugpyLaunchArgs(config: BackendLaunchConfig, overrides: { python?: string[]; env?: Record<string, string>; launcherPython?: string }): Record<string, unknown> {
  if (config.request === 'attach') {
    return { ...(config.processId ? { processId: config.processId } : { connect: { host: config.host ?? '127.0.0.1', port: config.port } }), ...passThroughFields(config) };
  }
  return {
    program: resolve(config.cwd ?? '.', config.program ?? ''),
    args: config.args ?? [],
    ...(config.cwd ? { cwd: config.cwd } : {}),
    env: overrides.env ?? config.env ?? {},
    stopOnEntry: config.stopOnEntry ?? false,
    console: config.console ?? 'internalConsole',
    justMyCode: true,
    ...passThroughFields(config),
    ...(overrides.python ? { python: overrides.python } : {}),
    // Without this debugpy runs its launcher with python[0], which would be the layer (or /usr/bin/env).
    ...(overrides.launcherPython ? { debugLauncherPython: overrides.launcherPython } : {}),
  };
}

/**
 * Variables the layer launcher itself needs (set by wrapCommand, not from the target or the
 * launch config). debugpy gives its launcher the adapter's environment, so these travel on the
 * launcher's argv via /usr/bin/env; target and launch env go through `env` (never on argv).
 */
export function layerOnlyEnv(wrappedEnv: Record<string, string>, targetEnv: Record<string, string>, launchEnv: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(wrappedEnv).filter(([k, v]) => !(k in targetEnv) && !(k in launchEnv) && process.env[k] !== v));
}
