/**
 * Why a file could not be read, in words a person understands. The engine
 * records the kind of failure (DecodeError's kind) with the technical
 * message; what a UI shows is the sentence for that kind, from this one table,
 * never libvips' or the filesystem's own text.
 */
import type { DecodeError } from './decode-error.js';

export type FailureKind = DecodeError['kind'] | 'internal';

export const FAILURE_SENTENCES: Record<FailureKind, string> = {
  empty: 'The file is empty.',
  corrupt: 'The file is damaged or incomplete.',
  unsupported: 'This file is not a picture Scenery can open.',
  too_large: 'The picture is too large to open safely.',
  unreadable: 'Scenery cannot read this file (no permission, or a disk error).',
  vanished: 'The file was moved or deleted before it could be read.',
  not_a_file: 'This is a pipe or a device, not a photo file.',
  outside_folders: 'This links to a file outside your watched folders.',
  stalled: 'The drive stopped responding while the file was read.',
  deferred: 'Not read yet: reads are waiting for a drive that is not answering.',
  raw_preview: 'This RAW file has no embedded preview Scenery can read.',
  internal: 'Scenery could not process this file; try again.',
};

function isKind(k: string | null): k is FailureKind {
  return k !== null && Object.hasOwn(FAILURE_SENTENCES, k);
}

/** Libraries written before the kind was recorded: the kind, from the message the engine wrote then. */
function legacyKind(message: string): FailureKind {
  if (/\bempty\b/i.test(message)) return 'empty';
  if (/disappeared/i.test(message)) return 'vanished';
  if (/permission|cannot read the file/i.test(message)) return 'unreadable';
  if (/larger than|too large/i.test(message)) return 'too_large';
  if (/not an image|unknown format|not a photo/i.test(message)) return 'unsupported';
  if (/damaged|incomplete|could not be decoded/i.test(message)) return 'corrupt';
  return 'internal';
}

/** The sentence to show for a failed photo, from its recorded kind (or, for old rows, its message). */
export function failureReason(kind: string | null, message: string | null): string {
  return FAILURE_SENTENCES[isKind(kind) ? kind : legacyKind(message ?? '')];
}

