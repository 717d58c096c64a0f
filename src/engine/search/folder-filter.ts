/**
 * `folder:NAME`: a photo matches when any folder name on its path contains
 * NAME (case-insensitive): the watched folder's own name or any folder below
 * it. Folders above the watched one (`/home/me`) are not part of the library,
 * so they do not match.
 */
export function folderMatcher(name: string, roots: readonly { id: number; path: string }[]): (folderId: number, dir: string) => boolean {
  const needle = name.toLowerCase();
  const rootMatches = new Map(roots.map((r) => [r.id, (r.path.split(/[\\/]/).filter(Boolean).pop() ?? r.path).toLowerCase().includes(needle)]));
  return (folderId, dir) => rootMatches.get(folderId) === true || (dir !== '' && dir.toLowerCase().split('/').some((c) => c.includes(needle)));
}
