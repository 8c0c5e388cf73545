// Rewrites the committed copies of the launch schema from the generated one in build/schema/:
// VS Code's package.json (contributes.debuggers[0].configurationAttributes) and Zed's
// debug_adapter_schemas/kmirror.json. Run after `bash scripts/build.sh` whenever the launch
// configuration type changes; a test fails while a copy is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configurationAttributes, findLaunchSchema, zedAdapterSchema } from './launch-attributes.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const schemaPath = findLaunchSchema(root);
if (!schemaPath) {
  console.error('sync-schema: no generated launch schema in build/schema/ (run bash scripts/build.sh first)');
  process.exit(1);
}
const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));

const manifestPath = `${root}ide-clients/vscode/package.json`;
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
manifest.contributes.debuggers[0].configurationAttributes = configurationAttributes(schema);
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');

const zedPath = `${root}ide-clients/zed/debug_adapter_schemas/kmirror.json`;
writeFileSync(zedPath, JSON.stringify(zedAdapterSchema(schema), null, 2) + '\n');
console.log(`sync-schema: ${manifestPath} and ${zedPath} updated from ${schemaPath}`);
