// The error of `kmirror image …`: a builder or loader missing on this machine, a part of the agent
// missing from this installation, or a tool that ran and failed.
import { KmError, type KmErrorCodeName } from '#proto/runtime/km-error.js';

export class ImageError extends KmError<'image'> {
  override name = 'ImageError' as const;

  constructor(code: KmErrorCodeName<'image'>, message: string, options?: { cause?: unknown }) {
    super('image', code, message, options);
  }
}
