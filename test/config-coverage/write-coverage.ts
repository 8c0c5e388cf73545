// Build step 55-config-coverage: writes build/config-keys.json (the accepted key paths) and
// docs/config-coverage.md (key → covering tests). Run from the repository root.
import { mkdirSync, writeFileSync } from 'node:fs';
import { configKeyPaths, configPaths } from '#runtime/config/config-keys.js';
import { coverage, readMarkers, renderTable } from './coverage.js';

const repo = process.cwd();
const keys = configKeyPaths();
mkdirSync('build', { recursive: true });
writeFileSync('build/config-keys.json', `${JSON.stringify(keys, null, 2)}\n`);
writeFileSync('docs/config-coverage.md', renderTable(coverage(keys, configPaths(), readMarkers(repo))));
