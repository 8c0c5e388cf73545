// Zed and Helix configurations (neither editor is packaged for Debian 12): the files parse as
// TOML/JSON, have the shape each editor reads, their example configurations are valid kmirror
// launch configurations, Zed's committed schema copy matches the generated schema, and the Zed
// extension type-checks against zed_extension_api (cargo check on the host; Zed builds it for wasm).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { findLaunchSchema, zedAdapterSchema } from '../scripts/launch-attributes.mjs';
import { validateConfig } from '#runtime/config/validate.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const text = (rel: string) => readFileSync(join(root, 'ide-clients', rel), 'utf8');

function generatedSchema(): Record<string, unknown> {
  const path = findLaunchSchema(root);
  if (!path) throw new Error('no generated launch schema in build/schema/: run bash scripts/build.sh');
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

describe('Zed extension', () => {
  it('extension.toml registers the kmirror debug adapter with its schema, and lib.rs serves that name', () => {
    const ext = parseToml(text('zed/extension.toml')) as { id: string; schema_version: number; debug_adapters: Record<string, { schema_path: string }> };
    expect(ext.id).toBe('kmirror');
    expect(ext.schema_version).toBe(1);
    expect(Object.keys(ext.debug_adapters)).toEqual(['kmirror']);
    expect(ext.debug_adapters.kmirror?.schema_path).toBe('debug_adapter_schemas/kmirror.json');
    const cargo = parseToml(text('zed/Cargo.toml')) as { lib: { 'crate-type': string[] }; dependencies: Record<string, string> };
    expect(cargo.lib['crate-type']).toEqual(['cdylib']);
    expect(cargo.dependencies.zed_extension_api).toMatch(/^0\.\d+\.\d+$/);
    const lib = text('zed/src/lib.rs');
    expect(lib).toContain('const ADAPTER: &str = "kmirror";');
    expect(lib).toContain('zed::register_extension!(KmirrorExtension);');
    expect(lib).toContain('worktree.which("kmirror-dap")');
  });

  it('the extension type-checks against zed_extension_api (cargo check --locked)', () => {
    try {
      execFileSync('cargo', ['--version'], { stdio: 'pipe' });
    } catch {
      throw new Error('cargo is missing: install a Rust toolchain (rustup, Rust >= 1.82) to type-check the Zed extension');
    }
    execFileSync('cargo', ['check', '--locked', '--quiet', '--manifest-path', join(root, 'ide-clients/zed/Cargo.toml'),
      '--target-dir', join(root, 'build/zed-check')], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  }, 620_000);

  it('the committed adapter schema is not stale', () => {
    expect(JSON.parse(text('zed/debug_adapter_schemas/kmirror.json')), 'stale: run node ide-clients/scripts/sync-schema.mjs')
      .toEqual(zedAdapterSchema(generatedSchema()));
  });

  it('debug.json scenarios are valid for the adapter schema and the kmirror launch schema', () => {
    const scenarios = JSON.parse(text('zed/debug.json')) as Array<Record<string, unknown>>;
    expect(scenarios.length).toBeGreaterThanOrEqual(4);
    const ajv = new Ajv({ strict: false, allErrors: true });
    const zed = ajv.compile(JSON.parse(text('zed/debug_adapter_schemas/kmirror.json')));
    const launch = ajv.compile(generatedSchema());
    for (const { label, adapter, tcp_connection: _tcp, ...config } of scenarios) {
      expect(adapter).toBe('kmirror');
      expect(typeof label).toBe('string');
      expect(zed(config), `${String(label)}: ${JSON.stringify(zed.errors)}`).toBe(true);
      expect(launch({ type: 'kmirror', ...config }), `${String(label)}: ${JSON.stringify(launch.errors)}`).toBe(true);
    }
  });
});

describe('Helix languages.toml', () => {
  // Helix template args are strings (with {N} placeholders), string lists or booleans — no tables.
  type Arg = string | string[] | boolean;
  interface Template { name: string; request: string; completion: Array<{ name: string; completion?: string; default?: string }>; args: Record<string, Arg> }
  interface Language { name: string; debugger: { name: string; transport: string; command: string; templates: Template[] } }

  it('parses, and every language gets kmirror-dap with templates whose placeholders match their completions', () => {
    const { language } = parseToml(text('helix/languages.toml')) as unknown as { language: Language[] };
    expect(language.map((l) => l.name).sort()).toEqual(['c', 'cpp', 'go', 'javascript', 'python', 'rust', 'typescript']);
    const validate = new Ajv({ strict: false, allErrors: true }).compile(generatedSchema());
    const filledTemplates: Array<Record<string, Arg>> = [];
    for (const l of language) {
      expect(l.debugger).toMatchObject({ name: 'kmirror', transport: 'stdio', command: 'kmirror-dap' });
      for (const t of l.debugger.templates) {
        expect(['launch', 'attach']).toContain(t.request); // attach: a Node process already running in the pod
        for (const v of Object.values(t.args)) {
          expect(typeof v === 'string' || typeof v === 'boolean' || (Array.isArray(v) && v.every((x) => typeof x === 'string')), `${t.name}: ${JSON.stringify(v)}`).toBe(true);
        }
        const strings = Object.values(t.args).filter((v): v is string => typeof v === 'string');
        const placeholders = strings.flatMap((v) => [...v.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1])));
        expect([...new Set(placeholders)].sort()).toEqual(t.completion.map((_c, i) => i));
        // Filled in as Helix does (defaults, or a file name for filename completions), it is a valid launch/attach.
        const filled = Object.fromEntries(Object.entries(t.args).map(([k, v]) =>
          [k, typeof v !== 'string' ? v : v.replace(/\{(\d+)\}/g, (_m, i: string) => t.completion[Number(i)]?.default ?? 'app.file')]));
        expect(validate({ request: t.request, ...filled }), `${l.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
        filledTemplates.push(filled);
      }
    }
    // The launch field `trace` (a string list) is expressible directly.
    expect(filledTemplates.filter((f) => JSON.stringify(f.trace) === '["dns","tcp"]')).toHaveLength(1);
  });

  it('copy_target comes through configFile: the template names the example config next to languages.toml, a valid kmirror config', () => {
    const { language } = parseToml(text('helix/languages.toml')) as unknown as { language: Language[] };
    const withConfig = language.flatMap((l) => l.debugger.templates).filter((t) => t.args.configFile !== undefined);
    expect(withConfig.map((t) => t.name)).toEqual(['kmirror: Node.js file on a copy of the target (copy_target)']);
    const [template] = withConfig;
    const index = Number(/^\{(\d+)\}$/.exec(String(template?.args.configFile))?.[1]);
    const completion = template?.completion[index];
    expect(completion).toMatchObject({ completion: 'filename', default: 'kmirror.copy-target.json' });
    const settings = JSON.parse(text(`helix/${completion?.default ?? ''}`)) as Record<string, unknown>;
    // kmirror-dap reads it with the config file's own validator, and the launch schema's `kmirror` field has the same shape.
    const { config, warnings } = validateConfig(settings, 'helix/kmirror.copy-target.json');
    expect(warnings).toEqual([]);
    expect(config.feature?.copy_target).toEqual({ scale_down: false });
    const validate = new Ajv({ strict: false, allErrors: true }).compile(generatedSchema());
    expect(validate({ type: 'kmirror', request: 'launch', program: 'app.js', kmirror: settings }), JSON.stringify(validate.errors)).toBe(true);
  });
});
