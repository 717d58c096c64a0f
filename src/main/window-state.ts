/** Remembers the window's size, position and maximised state between runs. */
import { readFileSync, writeFileSync } from 'node:fs';

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export interface DisplayArea {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_STATE: WindowState = { width: 1280, height: 820, maximized: false };

/** Reads the saved state; drops a position that no display shows any more (unplugged monitor). */
export function loadWindowState(file: string, displays: DisplayArea[]): WindowState {
  let s: WindowState;
  try {
    s = { ...DEFAULT_STATE, ...(JSON.parse(readFileSync(file, 'utf8')) as Partial<WindowState>) };
  } catch {
    return { ...DEFAULT_STATE };
  }
  s.width = Math.max(640, Math.min(s.width, 10000));
  s.height = Math.max(480, Math.min(s.height, 10000));
  if (s.x !== undefined && s.y !== undefined) {
    const visible = displays.some((d) => s.x! + 100 > d.x && s.x! < d.x + d.width - 100 && s.y! >= d.y - 10 && s.y! < d.y + d.height - 100);
    if (!visible) {
      delete s.x;
      delete s.y;
    }
  }
  return s;
}

export function saveWindowState(file: string, s: WindowState): void {
  try {
    writeFileSync(file, JSON.stringify(s));
  } catch {
    // not worth failing a quit over
  }
}
