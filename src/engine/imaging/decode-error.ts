/** A photo that could not be read or decoded, with the kind of failure (failure-reasons.ts turns the kind into a sentence). */
export class DecodeError extends Error {
  constructor(
    message: string,
    readonly kind: 'empty' | 'corrupt' | 'unsupported' | 'too_large' | 'unreadable' | 'vanished' | 'not_a_file' | 'outside_folders' | 'stalled' | 'deferred' | 'raw_preview',
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}
