// Log lines are formatted only when written and bounded whatever they carry.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, formatLine, MAX_LOG_MESSAGE_CHARS } from './log.js';

const never = (): string => {
  throw new Error('formatted although not written');
};

describe('kmirror-dap logging', () => {
  it('formats a message given as a function only when the line is written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmirror-log-'));
    try {
      createLogger({}).log('debug', 'dap.receive', never);
      const file = join(dir, 'dap.log');
      const log = createLogger({ file, level: 'info' });
      log.log('debug', 'dap.receive', never);
      log.log('info', 'server', () => 'written');
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ level: 'info', tag: 'server', message: 'written' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bounds the message and the attached data', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = { next: deep };
    const line = formatLine('debug', 'dap.send', 'm'.repeat(1_000_000), { deep, wide: Array.from({ length: 10_000 }, (_, i) => i) });
    expect(line.length).toBeLessThan(MAX_LOG_MESSAGE_CHARS + 20_000);
    const parsed = JSON.parse(line) as { message: string; data: { deep: unknown; wide: unknown[] } };
    expect(parsed.message.endsWith(`… (${1_000_000 - MAX_LOG_MESSAGE_CHARS} more characters)`)).toBe(true);
    expect(parsed.data.wide).toHaveLength(101);
    expect(JSON.stringify(parsed.data.deep)).toContain('"{…}"');
  });
});
