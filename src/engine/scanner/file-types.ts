/** Which files are photos, and which names belong to editors, browsers and OS bookkeeping. */

export const IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'jpe', 'png', 'webp', 'gif', 'tif', 'tiff', 'avif', 'heic', 'heif']);

/**
 * Camera RAW formats ExifTool reads previews from (imaging/raw-preview.ts): Canon CR2/CR3/CRW, Nikon NEF/NRW,
 * Sony ARW/SR2/SRF, Adobe DNG, Fujifilm RAF, Olympus ORF, Panasonic RW2/RAW/RWL, Pentax PEF, Samsung SRW,
 * Hasselblad 3FR/FFF, Phase One IIQ, Kodak DCR/KDC/K25, Minolta MRW, Mamiya MEF, Leaf MOS, Epson ERF,
 * Sigma X3F, GoPro GPR.
 */
export const RAW_EXTENSIONS = new Set([
  'cr2', 'cr3', 'crw', 'nef', 'nrw', 'arw', 'sr2', 'srf', 'dng', 'raf', 'orf', 'ori', 'rw2', 'raw', 'rwl', 'pef', 'srw',
  '3fr', 'fff', 'iiq', 'dcr', 'kdc', 'k25', 'mrw', 'mef', 'mos', 'erf', 'x3f', 'gpr',
]);

const TEMP_SUFFIXES = ['.tmp', '.temp', '.part', '.partial', '.crdownload', '.download', '.opdownload', '.!ut', '.swp', '~'];
const IGNORED_DIRS = new Set(['@eaDir', '$RECYCLE.BIN', 'System Volume Information', 'lost+found', '.Trashes', '.Spotlight-V100', 'node_modules']);

export function extensionOf(name: string): string {
  const i = name.lastIndexOf('.');
  return i > 0 ? name.slice(i + 1).toLowerCase() : '';
}

/** Hidden files, temporary and partial downloads, and Office/editor lock files. */
export function isIgnoredName(name: string): boolean {
  if (name.startsWith('.') || name.startsWith('~$') || name.startsWith('.#')) return true;
  const lower = name.toLowerCase();
  return TEMP_SUFFIXES.some((s) => lower.endsWith(s));
}

export function isPhotoName(name: string): boolean {
  if (isIgnoredName(name)) return false;
  const ext = extensionOf(name);
  return IMAGE_EXTENSIONS.has(ext) || RAW_EXTENSIONS.has(ext);
}

/** A camera RAW file (shown through its embedded preview). */
export function isRawName(name: string): boolean {
  return RAW_EXTENSIONS.has(extensionOf(name));
}

/** An XMP sidecar (`IMG_1.xmp` or `IMG_1.JPG.xmp`): read for its photo's keywords, never catalogued as a photo. */
export function isSidecarName(name: string): boolean {
  return !isIgnoredName(name) && extensionOf(name) === 'xmp';
}

export function isIgnoredDir(name: string): boolean {
  return name.startsWith('.') || IGNORED_DIRS.has(name);
}
