// Builds the VS Code extension into a .vsix:
//   1. manifest: the committed package.json with configurationAttributes re-derived from the
//      generated schema (build/schema/) when present — a stale committed copy only warns here;
//      the staleness test fails on it;
//   2. esbuild bundles src/extension.ts (CommonJS, `vscode` external) into dist/extension.cjs;
//   3. the kmirror runtime (scripts/runtime-files.mjs, the npm package's files) is copied into the
//      extension's dist/ so that the bundled adapter works without an installation: the bundles (ES
//      modules: dist/package.json says "type": "module"), the layer launcher, the agent's native
//      addon and the BPF objects — each found beside the bundle by kmirror-dap and the agent. These
//      are linux-x64 binaries, so the .vsix is platform-specific (vsce --target linux-x64); they
//      need libbpf1, libelf1 and libprotobuf-c1 on the machine;
//   4. @vscode/vsce packages the staging folder build/vscode-extension/ into dist/kmirror-vscode-<version>.vsix.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { build } from 'esbuild';
import { configurationAttributes, findLaunchSchema } from '../../scripts/launch-attributes.mjs';
import { stageRuntime } from '../../../scripts/runtime-files.mjs';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const extensionDir = join(root, 'ide-clients', 'vscode');
const staging = join(root, 'build', 'vscode-extension');

const manifest = JSON.parse(readFileSync(join(extensionDir, 'package.json'), 'utf8'));
const schemaPath = findLaunchSchema(root);
if (schemaPath) {
  let fresh;
  try {
    fresh = configurationAttributes(JSON.parse(readFileSync(schemaPath, 'utf8')));
  } catch (e) {
    // Never break everyone's build over the editor copy: package the committed one; the tests fail.
    console.warn(`vscode-extension: cannot derive launch attributes from ${schemaPath}: ${e.message}; packaging the committed copy`);
    fresh = manifest.contributes.debuggers[0].configurationAttributes;
  }
  const debuggerContribution = manifest.contributes.debuggers[0];
  if (!isDeepStrictEqual(fresh, debuggerContribution.configurationAttributes)) {
    console.warn('vscode-extension: the committed launch schema copy is stale; run node ide-clients/scripts/sync-schema.mjs');
    debuggerContribution.configurationAttributes = fresh;
  }
} else {
  console.warn('vscode-extension: no generated launch schema in build/schema/; packaging the committed copy');
}

rmSync(staging, { recursive: true, force: true });
mkdirSync(join(staging, 'dist'), { recursive: true });
writeFileSync(join(staging, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
for (const file of ['README.md', 'LICENSE', 'CHANGELOG.md']) copyFileSync(join(extensionDir, file), join(staging, file));

await build({
  entryPoints: [join(extensionDir, 'src', 'extension.ts')],
  outfile: join(staging, 'dist', 'extension.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node18', // VS Code 1.85's extension host
  format: 'cjs',
  external: ['vscode'],
  logLevel: 'warning',
});

// The runtime is the npm package's (scripts/runtime-files.mjs): one list, staged whole or not at all.
writeFileSync(join(staging, 'dist', 'package.json'), '{ "type": "module" }\n');
stageRuntime(root, join(staging, 'dist'));

const out = join(root, 'dist', `kmirror-vscode-${manifest.version}.vsix`);
mkdirSync(join(root, 'dist'), { recursive: true });
execFileSync(
  join(root, 'node_modules', '.bin', 'vsce'),
  ['package', '--target', 'linux-x64', '--no-dependencies', '--no-update-package-json', '--no-git-tag-version', '--out', out],
  { cwd: staging, stdio: ['ignore', 'inherit', 'inherit'] },
);
console.log(`vscode-extension: ${out}`);
