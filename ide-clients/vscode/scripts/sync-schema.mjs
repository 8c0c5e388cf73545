// Rewrites the committed copy of the launch schema in package.json
// (contributes.debuggers[0].configurationAttributes) from the generated schema in build/schema/.
// Run after `bash scripts/build.sh` whenever the launch configuration type changes; a test fails
// while the copy is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configurationAttributes, findLaunchSchema } from './launch-attributes.mjs';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const manifestPath = fileURLToPath(new URL('../package.json', import.meta.url));
const schemaPath = findLaunchSchema(root);
if (!schemaPath) {
  console.error('sync-schema: no generated launch schema in build/schema/ (run bash scripts/build.sh first)');
  process.exit(1);
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
manifest.contributes.debuggers[0].configurationAttributes = configurationAttributes(JSON.parse(readFileSync(schemaPath, 'utf8')));
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
console.log(`sync-schema: ${manifestPath} updated from ${schemaPath}`);
