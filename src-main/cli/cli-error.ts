/** Exit statuses of the `facetag` command. */
export const EXIT_OK = 0;
export const EXIT_SOME_FAILED = 1;
export const EXIT_USAGE = 2;

/** A mistake in how the command was called: printed without a stack, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
