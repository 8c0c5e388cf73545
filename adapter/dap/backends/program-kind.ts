// Facts about the program file that backends use to claim a launch configuration.
import { closeSync, openSync, readSync, statSync, existsSync, readdirSync } from 'node:fs';
import { extname } from 'node:path';

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const GO_BUILDINFO = Buffer.from('\xff Go buildinf:', 'latin1');
const SCAN_LIMIT = 256 * 1024 * 1024;

export function extension(program: string | undefined): string {
  return program ? extname(program).toLowerCase() : '';
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** An ELF file (a native executable: C, C++, Rust, Go). */
export function isElf(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(4);
      return readSync(fd, head, 0, 4, 0) === 4 && head.equals(ELF_MAGIC);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** A binary built by the Go toolchain (it carries the `\xff Go buildinf:` marker). */
export function isGoBinary(path: string): boolean {
  if (!isElf(path)) return false;
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    for (let pos = 0; pos < SCAN_LIMIT;) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n <= 0) return false;
      const window = Buffer.concat([carry, chunk.subarray(0, n)]);
      if (window.includes(GO_BUILDINFO)) return true;
      carry = window.subarray(Math.max(0, window.length - GO_BUILDINFO.length));
      pos += n;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

/** A Go package directory (go.mod or .go files) or a main .go file: dlv builds it. */
export function isGoSource(path: string): boolean {
  if (extension(path) === '.go') return true;
  if (!isDirectory(path)) return false;
  return existsSync(`${path}/go.mod`) || readdirSync(path).some((f) => f.endsWith('.go'));
}
