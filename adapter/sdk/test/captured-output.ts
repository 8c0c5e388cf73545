// Output streams to hand runHeadless in tests, and what was written to each as text.
import { PassThrough } from 'node:stream';

export interface CapturedOutput {
  stdout: PassThrough;
  stderr: PassThrough;
  /** Text written to stdout so far. */
  out(): string;
  /** Text written to stderr so far. */
  err(): string;
}

export function captureOutput(): CapturedOutput {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { stdout, stderr, out: () => out, err: () => err };
}
