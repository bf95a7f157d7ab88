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

/** A photo that cannot be read; `message` names the file and says what is wrong, `cause` keeps the low-level error. */
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

export function isImageError(error: unknown, code?: ImageErrorCode): error is ImageError {
  return error instanceof ImageError && (code === undefined || error.code === code);
}
