import { describe, expect, it } from 'vitest';
import { levelOfRustLog } from './mirrord-values.js';
import { validateConfig } from './validate.js';

describe("mirrord's value forms in agent settings", () => {
  it('a RUST_LOG agent.log_level becomes the most verbose level it names, with a warning', () => {
    expect(levelOfRustLog('mirrord=debug,warn')).toBe('debug');
    expect(levelOfRustLog('mirrord_agent=TRACE')).toBe('trace');
    expect(levelOfRustLog('mirrord=loud')).toBeUndefined();
    const { config, warnings } = validateConfig({ agent: { log_level: 'mirrord=debug,warn' } }, 'mirrord.json');
    expect(config.agent?.log_level).toBe('debug');
    expect(warnings).toEqual(['mirrord.json: agent.log_level "mirrord=debug,warn" is a RUST_LOG filter (mirrord\'s); kmirror\'s agent logs at one level: "debug"']);
  });

  it('a level nothing maps to is still an error naming the key', () => {
    expect(() => validateConfig({ agent: { log_level: 'mirrord=loud' } }, 'mirrord.json')).toThrow('agent.log_level must be one of');
  });

  it("mirrord's agent image is dropped with a warning; another { registry, tag } becomes registry:tag", () => {
    const dropped = validateConfig({ agent: { image: 'ghcr.io/metalbear-co/mirrord:latest', ttl: 5 } }, 'm.json');
    expect(dropped.config.agent).toEqual({ ttl: 5 });
    expect(dropped.warnings).toEqual(['m.json: agent.image "ghcr.io/metalbear-co/mirrord:latest" is mirrord\'s agent, which does not speak kmirror\'s protocol; ignored (kmirror\'s own agent image is used)']);
    expect(validateConfig({ agent: { image: { registry: 'ghcr.io/metalbear-co/mirrord', tag: '3.1' } } }).config.agent).toEqual({});
    expect(validateConfig({ agent: { image: { registry: 'registry.local/kmirror/agent', tag: '1.2' } } })).toEqual({ config: { agent: { image: 'registry.local/kmirror/agent:1.2' } }, warnings: [] });
  });

  it('no hint for the same name under another setting (feature.env.mapping is not feature.fs.mapping)', () => {
    expect(validateConfig({ feature: { env: { mapping: { a: 'b' } } } }, 'm.json').warnings).toEqual(['m.json: unknown key "feature.env.mapping" is ignored (not a kmirror setting)']);
  });

  it('mirrord keys kmirror takes another way or under a newer name say so', () => {
    expect(validateConfig({ kubeconfig: '~/.kube/other', feature: { env: { overrides: { A: 'b' } } } }, 'm.json').warnings).toEqual([
      'm.json: unknown key "kubeconfig" is ignored (not a kmirror setting; kmirror takes it as --kubeconfig FILE or $KUBECONFIG)',
      'm.json: unknown key "feature.env.overrides" is ignored (not a kmirror setting; did you mean "feature.env.override"?)',
    ]);
  });
});
