/** Which files are photos, and which names belong to editors, browsers and OS bookkeeping. */

export const IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'jpe', 'png', 'webp', 'gif', 'tif', 'tiff', 'avif', 'heic', 'heif']);

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
  return !isIgnoredName(name) && IMAGE_EXTENSIONS.has(extensionOf(name));
}

/** An XMP sidecar (`IMG_1.xmp` or `IMG_1.JPG.xmp`): read for its photo's keywords, never catalogued as a photo. */
export function isSidecarName(name: string): boolean {
  return !isIgnoredName(name) && extensionOf(name) === 'xmp';
}

export function isIgnoredDir(name: string): boolean {
  return name.startsWith('.') || IGNORED_DIRS.has(name);
}
