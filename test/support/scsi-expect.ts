/** Test helpers for the SCSI decoders. */

/** The error `fn` throws (for `toMatchObject` on code and context); fails when it throws nothing. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, got none');
}
