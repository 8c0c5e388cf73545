import { describe, expect, it } from 'vitest';
import { clip, layoutTable, printable, type ColumnSpec } from './table-layout.js';

const COLUMNS: ColumnSpec[] = [
  { title: 'PID', align: 'right' },
  { title: 'COMM', maxWidth: 15 },
  { title: 'PATH', flex: true },
];

describe('layoutTable', () => {
  it('aligns columns to the widest cell, numbers to the right', () => {
    expect(layoutTable(COLUMNS, [['7', 'cat', '/etc/hosts'], ['12345', 'python3', '/app/main.py']], 80)).toEqual([
      '  PID  COMM     PATH',
      '    7  cat      /etc/hosts',
      '12345  python3  /app/main.py',
    ]);
  });

  it('shrinks the flexible column first when the terminal is narrow', () => {
    const lines = layoutTable(COLUMNS, [['1', 'node', '/very/long/path/to/some/file.json']], 24);
    expect(lines[1]).toBe('  1  node  /very/long/p…');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(24);
  });

  it('caps a column at its maximum width and never exceeds the line width', () => {
    const lines = layoutTable(COLUMNS, [['1', 'a-very-long-command-name', 'x']], 12);
    expect(lines[1]).toBe('  1  a-v…  x');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(12);
  });

  it('escapes control characters so a row stays one line', () => {
    expect(layoutTable(COLUMNS, [['1', 'sh', 'a\nb\x1b[2J']], 80)[1]).toBe('  1  sh    a\\nb\\x1b[2J');
    expect(printable('tab\there')).toBe('tab\\there');
  });
});

describe('clip', () => {
  it('marks a cut with an ellipsis', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abc', 4)).toBe('abc');
    expect(clip('abc', 1)).toBe('…');
    expect(clip('abc', 0)).toBe('');
  });
});
