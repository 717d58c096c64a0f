import { describe, expect, it } from 'vitest';
import { FAILURE_SENTENCES, failureReason } from './failure-reasons.js';
import { explainSharpError } from './decode.js';

describe('failure reasons', () => {
  it('every kind has a short plain sentence, free of decoder jargon', () => {
    for (const [kind, s] of Object.entries(FAILURE_SENTENCES)) {
      expect(s, kind).toMatch(/^[A-Z].*\.$/);
      expect(s.length, kind).toBeLessThan(70);
      expect(s, kind).not.toMatch(/vips|libjpeg|buffer|errno/i);
      expect(s, kind).not.toMatch(/\bE[A-Z]{3,}\b/);
    }
  });

  it('reads the recorded kind, and the engine’s older messages for rows written before kinds were kept', () => {
    const e = explainSharpError(new Error('VipsJpeg: Premature end of input file'), 'a.jpg');
    expect(failureReason(e.kind, e.message)).toBe(FAILURE_SENTENCES.corrupt);
    expect(failureReason(null, 'a.jpg is damaged or incomplete: VipsJpeg: Premature end of input file')).toBe(FAILURE_SENTENCES.corrupt);
    expect(failureReason(null, 'the file is empty (0 bytes)')).toBe(FAILURE_SENTENCES.empty);
    expect(failureReason(null, 'x.jpg is not an image Scenery can read (unknown format)')).toBe(FAILURE_SENTENCES.unsupported);
    expect(failureReason(null, 'permission denied: Scenery cannot read this file')).toBe(FAILURE_SENTENCES.unreadable);
    expect(failureReason(null, 'indexing failed: worker crashed')).toBe(FAILURE_SENTENCES.internal);
    expect(failureReason('no-such-kind', null)).toBe(FAILURE_SENTENCES.internal);
  });
});
