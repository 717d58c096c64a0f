/**
 * `scenery keywords write|remove` as a user runs it, on copies of real photos: the same writer as the app, read back
 * by exiftool and exiv2; `remove` leaves a person's own sidecar as it was apart from Scenery's keywords.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../test-support/harness.js';
import { exiftoolList, exiftoolTags, exiv2List, hasMetadataTools } from '../test-support/metadata-tools.js';
import { hasShared, REPO_ROOT, shared } from '../test-support/shared-data.js';
import { Library } from '../engine/library.js';
import { keywordsFor, type SceneryKeywords } from '../engine/keywords/scenery-keywords.js';

const BIN = join(REPO_ROOT, 'bin', 'scenery.mjs');

describe.skipIf(!hasShared || !hasMetadataTools)('scenery keywords', () => {
  const tmp = tempDir('cli-keywords');
  const photos = join(tmp.path, 'Photos');
  const libDir = join(tmp.path, 'lib');
  const wanted = new Map<string, SceneryKeywords>();
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'keywords', ...args, '--library', libDir], { encoding: 'utf8', timeout: 120_000 });

  beforeAll(async () => {
    mkdirSync(photos, { recursive: true });
    for (const n of ['lxqt_mountains.jpg', 'kpa_billiards.jpg']) {
      copyFileSync(shared('photos', n), join(photos, n));
      chmodSync(join(photos, n), 0o644);
    }
    const lib = await Library.open({ dir: libDir, classifier: { name: 'fake', classifier: new FakeClassifier() }, watch: false });
    try {
      lib.folders.add(photos);
      await waitFor('indexed', () => lib.catalog.photoCounts().indexed === 2);
      await lib.indexer.whenIdle();
      for (const n of ['lxqt_mountains.jpg', 'kpa_billiards.jpg']) {
        const id = lib.catalog.db.prepare('SELECT id FROM photos WHERE name = ?').pluck().get(n) as number;
        wanted.set(n, keywordsFor(lib.catalog.photo(id)!, lib.threshold)!);
      }
    } finally {
      await lib.close();
    }
    // A darktable sidecar with the person's keyword and rating.
    writeFileSync(
      join(photos, 'kpa_billiards.jpg.xmp'),
      `<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description rdf:about='' xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/' xmp:Rating='5'><dc:subject><rdf:Bag><rdf:li>friends</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>`,
    );
  }, 120_000);
  afterAll(() => tmp.cleanup());

  it('write --mode sidecar --sidecar-name filename, then remove', () => {
    const w = run('write', '--mode', 'sidecar', '--sidecar-name', 'filename');
    expect(w.stderr).not.toMatch(/error/i);
    expect(w.status).toBe(0);
    expect(w.stdout).toMatch(/wrote keywords: 2 file\(s\) changed, 0 already right or skipped, 0 failed/);
    const m = join(photos, 'lxqt_mountains.jpg.xmp');
    const b = join(photos, 'kpa_billiards.jpg.xmp');
    expect(exiftoolList(m, 'XMP-dc:Subject')).toEqual(wanted.get('lxqt_mountains.jpg')!.flat);
    expect(exiv2List(m, 'Xmp.lr.hierarchicalSubject')).toEqual(wanted.get('lxqt_mountains.jpg')!.hierarchy);
    expect(exiv2List(b, 'Xmp.dc.subject')).toEqual(['friends', ...wanted.get('kpa_billiards.jpg')!.flat]);
    expect(run('--json').stdout.trim()).toBe(JSON.stringify({ mode: 'sidecar', sidecarName: 'filename', keepModifiedTime: true }));

    const r = run('remove');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/removed keywords: 2 file\(s\) changed/);
    // The sidecar Scenery made is gone; the person's keeps their keyword and rating only.
    expect(existsSync(m)).toBe(false);
    expect(exiftoolList(b, 'XMP-dc:Subject')).toEqual(['friends']);
    expect(exiftoolList(b, 'XMP-lr:HierarchicalSubject')).toEqual([]);
    expect(exiftoolTags(b, 'XMP-xmp:Rating')).toEqual({ 'XMP-xmp:Rating': 5 });
    expect(run().stdout).toMatch(/keywords: off/);
  });

  it('write --mode embedded warns that it rewrites the files, and embeds; bad options are refused', () => {
    const w = run('write', '--mode', 'embedded');
    expect(w.status).toBe(0);
    expect(w.stderr).toMatch(/rewrites the photo files themselves/);
    expect(exiv2List(join(photos, 'lxqt_mountains.jpg'), 'Iptc.Application2.Keywords')).toEqual(wanted.get('lxqt_mountains.jpg')!.flat);
    expect(readdirSync(photos).filter((n) => n.endsWith('.xmp'))).toEqual(['kpa_billiards.jpg.xmp']);
    expect(run('remove').status).toBe(0);
    expect(exiftoolList(join(photos, 'lxqt_mountains.jpg'), 'IPTC:Keywords')).toEqual([]);

    const bad = run('write', '--mode', 'inside');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--mode takes sidecar or embedded, not "inside"/);
  });
});
