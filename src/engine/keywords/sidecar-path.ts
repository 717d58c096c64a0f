/**
 * Where a photo's XMP sidecar lives. Tools disagree: Lightroom and Capture
 * One use `IMG_0001.xmp`, darktable and digiKam `IMG_0001.CR2.xmp`. The person
 * chooses the naming of their other tool; a sidecar that already exists
 * under either name (either case of `.xmp`) is the one used, so that Scenery
 * adds to the file the other tool reads instead of starting a second one.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { SidecarNaming } from '../../shared/domain.js';

export function sidecarCandidates(photo: string, naming: SidecarNaming): string[] {
  const dir = dirname(photo);
  const name = basename(photo);
  const stem = name.slice(0, name.length - extname(name).length) || name;
  const byBase = [join(dir, `${stem}.xmp`), join(dir, `${stem}.XMP`)];
  const byName = [join(dir, `${name}.xmp`), join(dir, `${name}.XMP`)];
  return naming === 'basename' ? [...byBase, ...byName] : [...byName, ...byBase];
}

/** The existing sidecar if there is one (the chosen naming first), else the chosen naming's name. */
export function sidecarPath(photo: string, naming: SidecarNaming, exists: (p: string) => boolean = existsSync): string {
  const all = sidecarCandidates(photo, naming);
  return all.find((p) => exists(p)) ?? all[0]!;
}
