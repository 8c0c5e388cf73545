// What a process's executable is, read from its ELF section table (no process is touched): a Go
// program carries `.go.buildinfo` (also when stripped with -s -w), a Python interpreter is a
// `python*` executable or links libpython. Remote attach checks this before it places a debugger.
import { open } from 'node:fs/promises';

const ELF_MAGIC = 0x464c457f; // "\x7fELF" little-endian
const MAX_SECTIONS = 512;

/** The section names of an ELF64 little-endian file (empty for anything else). */
export async function elfSectionNames(path: string): Promise<string[]> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(64);
    await fh.read(head, 0, 64, 0);
    if (head.readUInt32LE(0) !== ELF_MAGIC || head[4] !== 2 || head[5] !== 1) return [];
    const shoff = Number(head.readBigUInt64LE(0x28));
    const shentsize = head.readUInt16LE(0x3a);
    const shnum = head.readUInt16LE(0x3c);
    const shstrndx = head.readUInt16LE(0x3e);
    if (!shoff || shnum === 0 || shnum > MAX_SECTIONS || shentsize < 64 || shstrndx >= shnum) return [];
    const table = Buffer.alloc(shnum * shentsize);
    await fh.read(table, 0, table.length, shoff);
    const strHeader = shstrndx * shentsize;
    const strOff = Number(table.readBigUInt64LE(strHeader + 0x18));
    const strSize = Math.min(Number(table.readBigUInt64LE(strHeader + 0x20)), 1 << 20);
    const strings = Buffer.alloc(strSize);
    await fh.read(strings, 0, strSize, strOff);
    const names: string[] = [];
    for (let i = 0; i < shnum; i++) {
      const at = table.readUInt32LE(i * shentsize);
      if (at >= strSize) continue;
      const end = strings.indexOf(0, at);
      names.push(strings.toString('latin1', at, end < 0 ? strSize : end));
    }
    return names;
  } finally {
    await fh.close();
  }
}

/** True when the ELF sections say Go built it. */
export function isGoSections(names: readonly string[]): boolean {
  return names.includes('.go.buildinfo') || names.includes('.gopclntab');
}
