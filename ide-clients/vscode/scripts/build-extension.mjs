// Builds the VS Code extension into a .vsix:
//   1. manifest: the committed package.json with configurationAttributes re-derived from the
//      generated schema (build/schema/) when present — a stale committed copy only warns here;
//      the staleness test fails on it;
//   2. esbuild bundles src/extension.ts (CommonJS, `vscode` external) into dist/extension.cjs;
//   3. kmirror-dap.js (dist/, from scripts/bundle.mjs) is copied in as the bundled adapter, named
//      .mjs because it is an ES module and the extension's package.json is not "type": "module";
//   4. @vscode/vsce packages the staging folder build/vscode-extension/ into dist/kmirror-vscode-<version>.vsix.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { build } from 'esbuild';
import { configurationAttributes, findLaunchSchema } from '../../scripts/launch-attributes.mjs';

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

const adapter = join(root, 'dist', 'kmirror-dap.js');
if (existsSync(adapter)) copyFileSync(adapter, join(staging, 'dist', 'kmirror-dap.mjs'));
else console.warn('vscode-extension: dist/kmirror-dap.js not built; the .vsix will rely on kmirror-dap on PATH');

const out = join(root, 'dist', `kmirror-vscode-${manifest.version}.vsix`);
mkdirSync(join(root, 'dist'), { recursive: true });
execFileSync(
  join(root, 'node_modules', '.bin', 'vsce'),
  ['package', '--no-dependencies', '--no-update-package-json', '--no-git-tag-version', '--out', out],
  { cwd: staging, stdio: ['ignore', 'inherit', 'inherit'] },
);
console.log(`vscode-extension: ${out}`);
