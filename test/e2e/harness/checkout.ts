// The user's checkout in the attach e2e tests: a temp dir holding a copy of the source an image runs (the local
// side of localRoot/remoteRoot), and the line a breakpoint goes on.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/** A new temp dir (name starting with `prefix`) and in it a copy of `source` under its own name. */
export function checkoutOf(source: string, prefix: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, basename(source));
  copyFileSync(source, file);
  return { dir, file };
}

/** The 1-based number of the first line of `file` that contains `text`. */
export function lineWith(file: string, text: string): number {
  const index = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text));
  if (index < 0) throw new Error(`no line of ${file} contains ${text}`);
  return index + 1;
}
