// Finds the layer launcher: KMIRROR_LAYER_BIN, else kmirror-layer beside the bundle (dist/) or
// build/layer/kmirror-layer upward from this module (source checkout).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function findLayerBinary(): string {
  if (process.env.KMIRROR_LAYER_BIN) return process.env.KMIRROR_LAYER_BIN;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    for (const p of [join(dir, 'kmirror-layer'), join(dir, 'build/layer/kmirror-layer')]) if (existsSync(p)) return p;
    if (dirname(dir) === dir) break;
  }
  throw new Error('kmirror-layer not found: run scripts/build.sh (or set KMIRROR_LAYER_BIN)');
}
