/**
 * Whether the viewer's details panel starts open. A choice the person made (the toggle) is remembered and wins;
 * without one, the panel starts collapsed in narrow windows (under 900 CSS px the 340 px panel would leave the
 * photo too little room) and open otherwise. Storage may be unavailable (privacy modes): then only the default.
 */

export const PANEL_KEY = 'scenery.viewer.details';
export const NARROW_WIDTH = 900;

type Store = Pick<Storage, 'getItem' | 'setItem'>;

export function initialPanelOpen(windowWidth: number, store: Store | null): boolean {
  let saved: string | null = null;
  try {
    saved = store?.getItem(PANEL_KEY) ?? null;
  } catch {
    saved = null;
  }
  if (saved === 'open') return true;
  if (saved === 'closed') return false;
  return windowWidth >= NARROW_WIDTH;
}

export function rememberPanel(open: boolean, store: Store | null): void {
  try {
    store?.setItem(PANEL_KEY, open ? 'open' : 'closed');
  } catch {
    // Not remembered; the toggle still works for this session.
  }
}
