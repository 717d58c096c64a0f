/**
 * Files and folders the person made read-only are not rewritten: ExifTool replaces a file by renaming a temporary
 * copy over it, which a writable folder allows even for a read-only file (and root may do anything), so Scenery
 * checks the permission bits itself and reports a plain reason instead.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { hasMetadataTools } from '../../test-support/metadata-tools.js';
import { hasShared, shared } from '../../test-support/shared-data.js';
import { Library } from '../library.js';

const run = hasShared && hasMetadataTools;
if (!hasShared) console.warn('[skip] keywords-read-only: ../shared/data/photos is absent');

const USER_SIDECAR = `<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?>
<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>
 <rdf:Description rdf:about='' xmlns:dc='http://purl.org/dc/elements/1.1/' xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmp:Rating='4'>
  <dc:subject><rdf:Bag><rdf:li>grandma</rdf:li></rdf:Bag></dc:subject>
 </rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end='w'?>`;

describe.skipIf(!run)('keywords and read-only files and folders', () => {
  const tmp = tempDir('keywords-read-only');
  let lib: Library | null = null;
  afterAll(async () => {
    await lib?.close();
    for (const d of ['ro', 'rw']) chmodSync(join(tmp.path, 'Photos', d), 0o755);
    tmp.cleanup();
  });

  it('leaves a read-only photo, sidecar and folder as they are, with a plain reason; writable ones are written', async () => {
    const photos = join(tmp.path, 'Photos');
    const rw = join(photos, 'rw');
    const ro = join(photos, 'ro');
    mkdirSync(rw, { recursive: true });
    mkdirSync(ro);
    for (const n of ['ok.jpg', 'locked.jpg', 'mine.jpg']) copyFileSync(shared('photos', 'hugin_forest.jpg'), join(rw, n));
    copyFileSync(shared('photos', 'hugin_forest.jpg'), join(ro, 'infolder.jpg'));
    for (const n of ['ok.jpg', 'mine.jpg', 'locked.jpg']) chmodSync(join(rw, n), n === 'locked.jpg' ? 0o444 : 0o644);
    writeFileSync(join(rw, 'mine.xmp'), USER_SIDECAR);
    chmodSync(join(rw, 'mine.xmp'), 0o444);
    chmodSync(ro, 0o555);
    const locked = readFileSync(join(rw, 'locked.jpg'));

    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier: new FakeClassifier() }, writeFinishMs: 200 });
    lib.folders.add(photos);
    await waitFor('indexed', () => lib!.catalog.photoCounts().indexed === 4, 60_000);
    await lib.indexer.whenIdle();

    // Sidecars: none in the read-only folder, the person's read-only sidecar untouched.
    lib.keywords.setSettings({ mode: 'sidecar' });
    await lib.keywords.jobs.whenIdle();
    expect(existsSync(join(rw, 'ok.xmp'))).toBe(true);
    expect(readFileSync(join(rw, 'mine.xmp'), 'utf8')).toBe(USER_SIDECAR);
    expect(existsSync(join(ro, 'infolder.xmp'))).toBe(false);
    expect(lib.keywords.jobs.progress()).toMatchObject({ failed: 2 });
    expect(lib.keywords.jobs.progress().lastError).toMatch(/is read-only: Scenery does not change a read-only (file|folder)/);

    // Embedded: the read-only photo keeps every byte.
    lib.keywords.setSettings({ mode: 'embedded' });
    await lib.keywords.jobs.whenIdle();
    expect(readFileSync(join(rw, 'ok.jpg')).includes('Scenery|')).toBe(true);
    expect(readFileSync(join(rw, 'locked.jpg')).equals(locked)).toBe(true);
    expect(lib.keywords.jobs.progress().failed).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
