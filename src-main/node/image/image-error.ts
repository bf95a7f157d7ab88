/** Why a photo could not be read. Each code has its own message a user can act on. */
export type ImageErrorCode =
  | 'not-found'
  | 'permission-denied'
  | 'is-directory'
  | 'empty-file'
  | 'not-an-image'
  | 'unsupported-format'
  | 'truncated'
  | 'too-many-pixels'
  | 'corrupt';

export class ImageError extends Error {
  override readonly name = 'ImageError';

  constructor(
    readonly code: ImageErrorCode,
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
