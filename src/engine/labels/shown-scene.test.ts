import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { placesLabelIndex } from './label-sets.js';
import { GROUP_FAILED, GROUP_PENDING, GROUP_SQL, GROUP_UNCERTAIN, indoorOf, labelSaysIndoor, sceneCandidates, sceneGroup, shownScene, type SceneEvidence } from './shown-scene.js';

const L = (l: string): number => placesLabelIndex(l)!;
const ev = (over: Partial<SceneEvidence>): SceneEvidence => ({ failed: false, top: [L('beach'), L('coast')], prob: [0.6, 0.3], vote: false, correction: null, rejected: [], ...over });

describe('the shown-scene rule', () => {
  it('correction > model; rejected labels skipped; nothing for an unreadable file', () => {
    expect(shownScene(ev({}))).toEqual({ index: L('beach'), prob: 0.6, corrected: false, indoor: false });
    expect(shownScene(ev({ rejected: [L('beach')] }))).toMatchObject({ index: L('coast'), prob: 0.3 });
    expect(shownScene(ev({ correction: L('kitchen') }))).toEqual({ index: L('kitchen'), prob: 1, corrected: true, indoor: true });
    expect(shownScene(ev({ failed: true, correction: L('kitchen') }))).toBeNull();
    expect(sceneCandidates(ev({ failed: true }))).toEqual([]);
    expect(shownScene(ev({ rejected: new Set([L('beach'), L('coast')]) }))).toBeNull();
  });

  it('indoor/outdoor: the label’s own word, else the vote (or CSAIL’s entry for a correction)', () => {
    expect(labelSaysIndoor('kennel/outdoor')).toBe(false);
    expect(labelSaysIndoor('florist_shop/indoor')).toBe(true);
    expect(labelSaysIndoor('balcony/interior')).toBe(true);
    expect(labelSaysIndoor('gazebo/exterior')).toBe(false);
    expect(labelSaysIndoor('desert/sand')).toBeNull();
    expect(indoorOf(L('kennel/outdoor'), true, false)).toBe(false);
    expect(indoorOf(L('stable'), false, false)).toBe(false);
    expect(indoorOf(L('stable'), true, false)).toBe(true);
    expect(indoorOf(L('kitchen'), false, true)).toBe(true);
    expect(indoorOf(null, true, false)).toBe(true);
  });

  it('the SQL form of the group rule agrees with the JavaScript one', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE photos (status TEXT, scene_index INTEGER, scene_prob REAL, corrected INTEGER)');
    const cases: { status: string; shown: { index: number; prob: number; corrected: boolean } | null }[] = [];
    for (const status of ['indexed', 'pending', 'failed'])
      for (const shown of [null, { index: 7, prob: 0.05, corrected: false }, { index: 7, prob: 0.1, corrected: false }, { index: 9, prob: 0.8, corrected: false }, { index: 3, prob: 1, corrected: true }])
        cases.push({ status, shown });
    const sql = db.prepare(`SELECT ${GROUP_SQL} AS g FROM (SELECT ? AS status, ? AS scene_index, ? AS scene_prob, ? AS corrected)`).pluck();
    const seen = new Set<number>();
    for (const t of [0, 0.1, 0.5]) {
      for (const c of cases) {
        const js = sceneGroup(c.status === 'failed', c.shown, t);
        seen.add(js);
        expect(sql.get({ t }, c.status, c.shown?.index ?? null, c.shown?.prob ?? null, c.shown?.corrected ? 1 : 0)).toBe(js);
      }
    }
    expect([...seen].sort()).toEqual([GROUP_UNCERTAIN, GROUP_FAILED, GROUP_PENDING, 3, 7, 9].sort());
  });
});
