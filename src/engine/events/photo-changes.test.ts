import { describe, expect, it } from 'vitest';
import { PhotoChanges } from './photo-changes.js';

describe('PhotoChanges', () => {
  it('delivers every report to every follower, in the order they subscribed', () => {
    const changes = new PhotoChanges();
    const seen: string[] = [];
    changes.follow({ changed: (ids, how) => seen.push(`a changed ${ids.join()} ${how}`), removed: (ids) => seen.push(`a removed ${ids.join()}`) });
    changes.follow({ removed: (ids) => seen.push(`b removed ${ids.join()}`) });
    changes.changed([1, 2], 'added');
    changes.changed([3]);
    changes.removed([4]);
    expect(seen).toEqual(['a changed 1,2 added', 'a changed 3 updated', 'a removed 4', 'b removed 4']);
  });

  it('reaches no follower after unsubscribing or closing, nor for an empty report', () => {
    const changes = new PhotoChanges();
    const seen: number[] = [];
    const stop = changes.follow({ changed: (ids) => seen.push(...ids) });
    changes.follow({ removed: (ids) => seen.push(...ids.map((i) => -i)) });
    changes.changed([]);
    stop();
    changes.changed([1]);
    changes.removed([2]);
    changes.close();
    changes.removed([3]);
    expect(seen).toEqual([-2]);
  });
});
