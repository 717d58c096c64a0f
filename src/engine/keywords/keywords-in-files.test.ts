/**
 * Scene keywords written into real photos' metadata, read back by the tools other apps rely on (Debian's exiftool
 * and exiv2, as child processes): XMP sidecars and embedded XMP/IPTC. A person's own metadata (keywords, rating,
 * label, develop settings) survives writing, a correction and `remove`; embedded writes keep the decoded pixels and
 * the file time and are not taken for a new photo (no classification). The model is the FakeClassifier, whose calls
 * are counted.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { hasShared, shared } from '../../test-support/shared-data.js';
import { exiftoolList, exiftoolTags, exiv2List, hasMetadataTools } from '../../test-support/metadata-tools.js';
import { hashPhotoFile } from '../imaging/photo-file.js';
import { Library } from '../library.js';
import { keywordsFor, type SceneryKeywords } from './scenery-keywords.js';

const run = hasShared && hasMetadataTools;
if (!hasShared) console.warn('[skip] keywords-in-files: ../shared/data/photos is absent');

/** A sidecar as Lightroom/darktable leave it: the person's keywords, rating, label and develop settings. */
function userSidecar(flat: string[]): string {
  return `<?xpacket begin='\uFEFF' id='W5M0MpCehiHzreSzNTczkc9d'?>
<x:xmpmeta xmlns:x='adobe:ns:meta/'>
<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>
 <rdf:Description rdf:about=''
  xmlns:xmp='http://ns.adobe.com/xap/1.0/'
  xmlns:dc='http://purl.org/dc/elements/1.1/'
  xmlns:lr='http://ns.adobe.com/lightroom/1.0/'
  xmlns:crs='http://ns.adobe.com/camera-raw-settings/1.0/'
  xmp:Rating='4'
  xmp:Label='Red'
  crs:Exposure2012='+0.35'
  crs:Temperature='5200'>
  <dc:subject><rdf:Bag>${flat.map((k) => `<rdf:li>${k}</rdf:li>`).join('')}</rdf:Bag></dc:subject>
  <lr:hierarchicalSubject><rdf:Bag><rdf:li>Places|Norway</rdf:li><rdf:li>Scenery|Mountains</rdf:li></rdf:Bag></lr:hierarchicalSubject>
 </rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end='w'?>`;
}

/** Keyword writes done, then the indexing they may cause, then the writes that indexing queued. */
async function settled(lib: Library): Promise<void> {
  await lib.keywords.jobs.whenIdle();
  await lib.indexer.whenIdle();
  await lib.keywords.jobs.whenIdle();
}

/** Everything ExifTool reads from a file except Scenery's two lists and ExifTool's own bookkeeping. */
function othersThan(tags: Record<string, unknown>): Record<string, unknown> {
  const drop = /^(XMP-dc:Subject|XMP-lr:HierarchicalSubject|IPTC:Keywords|System:|File:|ExifTool:|Composite:|XMP-x:XMPToolkit|IPTC:CodedCharacterSet|IPTC:ApplicationRecordVersion|IPTC:EnvelopeRecordVersion|XMP-photoshop:|Photoshop:|IPTC:CurrentIPTCDigest)/;
  return Object.fromEntries(Object.entries(tags).filter(([k]) => !drop.test(k)));
}

describe.skipIf(!run)('scene keywords in files, read back by exiftool and exiv2', () => {
  const tmp = tempDir('keywords');
  const photos = join(tmp.path, 'Photos');
  let lib: Library;
  let classifier: FakeClassifier;
  const names = ['hugin_forest.jpg', 'digikam_lake.jpg', 'kpa_bar.jpg'];

  const idOf = (name: string): number => lib.catalog.db.prepare('SELECT id FROM photos WHERE name = ?').pluck().get(name) as number;
  const wanted = (name: string): SceneryKeywords => keywordsFor(lib.catalog.photo(idOf(name))!, lib.threshold)!;
  const idle = (): Promise<void> => settled(lib);

  beforeAll(async () => {
    mkdirSync(photos, { recursive: true });
    for (const n of names) {
      copyFileSync(shared('photos', n), join(photos, n));
      chmodSync(join(photos, n), 0o644);
    }
    classifier = new FakeClassifier();
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier }, writeFinishMs: 200 });
    lib.folders.add(photos);
    await waitFor('indexed', () => lib.catalog.photoCounts().indexed === names.length);
    await lib.indexer.whenIdle();
  }, 60_000);
  afterAll(async () => {
    await lib?.close();
    tmp.cleanup();
  });

  it('sidecar mode writes IMG.xmp that exiftool and exiv2 read back identically; it never becomes a photo', async () => {
    lib.keywords.setSettings({ mode: 'sidecar', sidecarName: 'basename' });
    await idle();
    expect(lib.keywords.jobs.progress()).toMatchObject({ running: false, failed: 0 });
    const w = wanted('hugin_forest.jpg');
    expect(w.hierarchy[0]).toMatch(/^Scenery\|(Indoor|Outdoor)\|[A-Z][a-z]+\|/);
    const xmp = join(photos, 'hugin_forest.xmp');
    expect(exiftoolList(xmp, 'XMP-dc:Subject')).toEqual(w.flat);
    expect(exiftoolList(xmp, 'XMP-lr:HierarchicalSubject')).toEqual(w.hierarchy);
    expect(exiv2List(xmp, 'Xmp.dc.subject')).toEqual(w.flat);
    expect(exiv2List(xmp, 'Xmp.lr.hierarchicalSubject')).toEqual(w.hierarchy);
    // The photo itself is untouched in sidecar mode.
    expect(exiftoolList(join(photos, 'hugin_forest.jpg'), 'XMP-dc:Subject')).toEqual([]);
    // No temporary files are left, and the sidecars never enter the catalog (watched and rescanned).
    expect(readdirSync(photos).sort()).toEqual([...names, ...names.map((n) => n.replace(/\.jpg$/, '.xmp'))].sort());
    await new Promise((r) => setTimeout(r, 600));
    for (const f of lib.folders.list()) await lib.scanner.start(f.id);
    expect(lib.catalog.photoCounts().total).toBe(names.length);
  });

  it('writing again changes nothing (no write, same file)', async () => {
    const xmp = join(photos, 'hugin_forest.xmp');
    const before = statSync(xmp).mtimeMs;
    lib.keywords.writeAll();
    await idle();
    expect(lib.keywords.jobs.progress()).toMatchObject({ written: 0, failed: 0 });
    expect(statSync(xmp).mtimeMs).toBe(before);
  });

  it('a correction replaces the scene; a threshold above every scene takes them out; remove deletes the sidecars Scenery made', async () => {
    const id = idOf('digikam_lake.jpg');
    lib.corrections.setScene(id, 'lake/natural');
    await idle();
    const xmp = join(photos, 'digikam_lake.xmp');
    expect(exiftoolList(xmp, 'XMP-dc:Subject')[0]).toBe('lake (natural)');
    expect(exiftoolList(xmp, 'XMP-lr:HierarchicalSubject')).toEqual(['Scenery|Outdoor|Water|lake (natural)']);
    // The FakeClassifier's scenes have confidence 0.9: at 0.95 only the correction counts.
    lib.setThreshold(0.95);
    await idle();
    expect(existsSync(join(photos, 'kpa_bar.xmp'))).toBe(false);
    expect(exiftoolList(xmp, 'XMP-dc:Subject')).toEqual(['lake (natural)', 'outdoor']);
    lib.setThreshold(0.1);
    await idle();
    expect(existsSync(join(photos, 'kpa_bar.xmp'))).toBe(true);
    lib.keywords.remove();
    await idle();
    expect(lib.keywords.settings().mode).toBe('off');
    expect(readdirSync(photos).filter((n) => n.endsWith('.xmp'))).toEqual([]);
    lib.corrections.clearCorrection(id);
    await idle();
    expect(readdirSync(photos).filter((n) => n.endsWith('.xmp'))).toEqual([]);
  });

  it("a person's existing sidecar (IMG.jpg.xmp: keywords, rating, label, develop settings) keeps them after write, correction and remove", async () => {
    const name = 'kpa_bar.jpg';
    const w = wanted(name);
    const io = w.flat[1]!;
    // darktable/digiKam naming, while the setting says basename: the existing sidecar is the one used.
    const xmp = join(photos, `${name}.xmp`);
    writeFileSync(xmp, userSidecar(['holiday', io]));
    const before = exiftoolTags(xmp);
    lib.keywords.setSettings({ mode: 'sidecar', sidecarName: 'basename' });
    await idle();
    expect(existsSync(join(photos, 'kpa_bar.xmp'))).toBe(false);
    expect(exiftoolList(xmp, 'XMP-dc:Subject')).toEqual(['holiday', io, w.flat[0]]);
    expect(exiftoolList(xmp, 'XMP-lr:HierarchicalSubject')).toEqual(['Places|Norway', 'Scenery|Mountains', ...w.hierarchy]);
    expect(exiv2List(xmp, 'Xmp.dc.subject')).toEqual(['holiday', io, w.flat[0]]);
    expect(exiv2List(xmp, 'Xmp.lr.hierarchicalSubject')).toEqual(['Places|Norway', 'Scenery|Mountains', ...w.hierarchy]);
    expect(othersThan(exiftoolTags(xmp))).toEqual(othersThan(before));
    expect(exiftoolTags(xmp, 'XMP-xmp:Rating', 'XMP-xmp:Label', 'XMP-crs:Exposure2012')).toEqual({ 'XMP-xmp:Rating': 4, 'XMP-xmp:Label': 'Red', 'XMP-crs:Exposure2012': '+0.35' });

    // A correction to a scene of the other kind: Scenery's scene changes, the person's indoor/outdoor word stays.
    const other = io === 'outdoor' ? 'kitchen' : 'forest_path';
    lib.corrections.setScene(idOf(name), other);
    await idle();
    const flat = exiftoolList(xmp, 'XMP-dc:Subject');
    expect(flat.slice(0, 2)).toEqual(['holiday', io]);
    expect(flat).not.toContain(w.flat[0]);
    expect(flat).toContain(other.replace('_', ' '));
    expect(othersThan(exiftoolTags(xmp))).toEqual(othersThan(before));

    lib.keywords.remove();
    await idle();
    expect(exiftoolList(xmp, 'XMP-dc:Subject')).toEqual(['holiday', io]);
    expect(exiftoolList(xmp, 'XMP-lr:HierarchicalSubject')).toEqual(['Places|Norway', 'Scenery|Mountains']);
    expect(exiv2List(xmp, 'Xmp.dc.subject')).toEqual(['holiday', io]);
    expect(othersThan(exiftoolTags(xmp))).toEqual(othersThan(before));
    lib.corrections.clearCorrection(idOf(name));
    await idle();
  });

  it('embedded mode writes XMP and IPTC into the JPEG: same pixels, same file time, no classification', async () => {
    const name = 'hugin_forest.jpg';
    const file = join(photos, name);
    const pixels = await sharp(file).raw().toBuffer();
    const st = statSync(file);
    const otherTags = othersThan(exiftoolTags(file));
    const calls = classifier.calls;
    lib.keywords.setSettings({ mode: 'embedded' });
    await idle();
    expect(lib.keywords.jobs.progress()).toMatchObject({ running: false, failed: 0 });
    const w = wanted(name);
    expect(exiftoolList(file, 'XMP-dc:Subject')).toEqual(w.flat);
    expect(exiftoolList(file, 'IPTC:Keywords')).toEqual(w.flat);
    expect(exiftoolList(file, 'XMP-lr:HierarchicalSubject')).toEqual(w.hierarchy);
    expect(exiv2List(file, 'Xmp.dc.subject')).toEqual(w.flat);
    expect(exiv2List(file, 'Iptc.Application2.Keywords')).toEqual(w.flat);
    expect(exiv2List(file, 'Xmp.lr.hierarchicalSubject')).toEqual(w.hierarchy);
    expect(Buffer.compare(await sharp(file).raw().toBuffer(), pixels)).toBe(0);
    expect(othersThan(exiftoolTags(file))).toEqual(otherTags);
    const after = statSync(file);
    expect(after.size).not.toBe(st.size);
    expect(Math.floor(after.mtimeMs)).toBe(Math.floor(st.mtimeMs));
    // The catalog already knows the new file: the watcher and a rescan find nothing to do.
    const row = lib.catalog.photo(idOf(name))!;
    expect(row).toMatchObject({ size: after.size, status: 'indexed', hash: await hashPhotoFile(file) });
    await new Promise((r) => setTimeout(r, 800));
    for (const f of lib.folders.list()) await lib.scanner.start(f.id);
    await idle();
    expect(classifier.calls).toBe(calls);
    lib.keywords.remove();
    await idle();
    expect(exiftoolList(file, 'XMP-dc:Subject')).toEqual([]);
    expect(exiftoolList(file, 'IPTC:Keywords')).toEqual([]);
    expect(Buffer.compare(await sharp(file).raw().toBuffer(), pixels)).toBe(0);
    expect(classifier.calls).toBe(calls);
  });

  it('a photo being re-indexed is not rewritten under the indexer: its keywords are written once its new scene is in', async () => {
    const name = 'digikam_lake.jpg';
    const file = join(photos, name);
    const id = idOf(name);
    lib.keywords.setSettings({ mode: 'embedded' });
    await idle();
    // The next classification waits until released (a re-index with another model, slow on a big model).
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = false;
    const classify = classifier.classify.bind(classifier);
    classifier.classify = async (pixels) => {
      started = true;
      await gate;
      return classify(pixels);
    };
    try {
      lib.catalog.enqueue(id, 1);
      lib.indexer.kick();
      await waitFor('classifying', () => started);
      lib.corrections.setScene(id, 'boathouse');
      await lib.keywords.jobs.whenIdle();
      expect(exiftoolList(file, 'XMP-dc:Subject')).not.toContain('boathouse');
      release();
      await waitFor('re-indexed', () => lib.catalog.jobCounts().running === 0 && lib.catalog.jobCounts().pending === 0);
      await idle();
    } finally {
      classifier.classify = classify;
      release();
    }
    expect(lib.catalog.photo(id)).toMatchObject({ status: 'indexed', hash: await hashPhotoFile(file) });
    expect(exiftoolList(file, 'XMP-dc:Subject')).toContain('boathouse');
    lib.corrections.clearCorrection(id);
    lib.keywords.remove();
    await idle();
  });
});

describe.skipIf(!run)('personal scenes as keywords', () => {
  const tmp = tempDir('keywords-personal');
  const photos = join(tmp.path, 'Photos');
  let lib: Library;
  const names = ['hugin_forest.jpg', 'digikam_lake.jpg', 'kpa_bar.jpg', 'fotoxx_living_room.jpg'];
  const idOf = (name: string): number => lib.catalog.db.prepare('SELECT id FROM photos WHERE name = ?').pluck().get(name) as number;
  const sidecar = (name: string): string => join(photos, name.replace(/\.jpg$/, '.xmp'));
  const idle = (): Promise<void> => settled(lib);

  beforeAll(async () => {
    mkdirSync(photos, { recursive: true });
    for (const n of names) copyFileSync(shared('photos', n), join(photos, n));
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier: new FakeClassifier() }, writeFinishMs: 200 });
    lib.folders.add(photos);
    await waitFor('indexed', () => lib.catalog.photoCounts().indexed === names.length);
    await lib.indexer.whenIdle();
    lib.keywords.setSettings({ mode: 'sidecar', sidecarName: 'basename' });
    await idle();
  }, 60_000);
  afterAll(async () => {
    await lib?.close();
    tmp.cleanup();
  });

  it("a personal scene's photos get its name and Scenery|My scenes|NAME; a rename and a removal follow; the scene keywords stay", async () => {
    const examples = names.slice(0, 3).map(idOf);
    const scene = await lib.personal.create('Our cabin', examples);
    await idle();
    for (const n of names.slice(0, 3)) {
      expect(exiftoolList(sidecar(n), 'XMP-dc:Subject'), n).toContain('Our cabin');
      expect(exiftoolList(sidecar(n), 'XMP-lr:HierarchicalSubject'), n).toContain('Scenery|My scenes|Our cabin');
      // exiv2 reads the same entries
      expect(exiv2List(sidecar(n), 'Xmp.lr.hierarchicalSubject'), n).toContain('Scenery|My scenes|Our cabin');
    }
    const sceneKeywords = exiftoolList(sidecar(names[0]!), 'XMP-lr:HierarchicalSubject').filter((h) => !h.includes('My scenes'));
    expect(sceneKeywords.length).toBe(1);

    lib.personal.rename(scene.id, "Grandma's cabin");
    await idle();
    const h = exiftoolList(sidecar(names[0]!), 'XMP-lr:HierarchicalSubject');
    expect(h).toContain("Scenery|My scenes|Grandma's cabin");
    expect(h).not.toContain('Scenery|My scenes|Our cabin');
    expect(exiftoolList(sidecar(names[0]!), 'XMP-dc:Subject')).not.toContain('Our cabin');

    lib.personal.remove(scene.id);
    await idle();
    expect(exiftoolList(sidecar(names[0]!), 'XMP-lr:HierarchicalSubject')).toEqual(sceneKeywords);
    expect(exiftoolList(sidecar(names[0]!), 'XMP-dc:Subject')).not.toContain("Grandma's cabin");
  }, 120_000);
});
