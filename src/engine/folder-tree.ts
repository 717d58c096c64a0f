/**
 * The folder tree of a watched folder, from the photos' directories and how
 * many photos each holds directly (catalog `dirCounts`). The tree is built
 * here, not walked on disk, so it shows what the library holds (and agrees
 * with `folder:` search), offline folders included.
 */
import type { FolderTreeNode } from '../shared/domain.js';

export function buildFolderTree(dirs: readonly { dir: string; n: number }[]): { count: number; children: FolderTreeNode[] } {
  const root: FolderTreeNode = { name: '', path: '', count: 0, children: [] };
  const byPath = new Map<string, FolderTreeNode>([['', root]]);
  const node = (path: string): FolderTreeNode => {
    let n = byPath.get(path);
    if (n) return n;
    const slash = path.lastIndexOf('/');
    n = { name: path.slice(slash + 1), path, count: 0, children: [] };
    byPath.set(path, n);
    node(slash >= 0 ? path.slice(0, slash) : '').children.push(n);
    return n;
  };
  for (const { dir, n } of dirs) {
    // Every folder on the way counts the photo: a folder's count is all photos under it, at any depth.
    let p = dir;
    node(p);
    for (;;) {
      byPath.get(p)!.count += n;
      if (p === '') break;
      const slash = p.lastIndexOf('/');
      p = slash >= 0 ? p.slice(0, slash) : '';
    }
  }
  const sort = (n: FolderTreeNode): void => {
    n.children.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' }));
    n.children.forEach(sort);
  };
  sort(root);
  return { count: root.count, children: root.children };
}
