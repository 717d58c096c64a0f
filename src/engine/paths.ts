/** Where Scenery keeps its data: the same folders the desktop app uses. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const PRODUCT_NAME = 'Scenery';

/** Electron's app.getPath('userData') for productName "Scenery", computed without Electron. */
export function userDataDir(): string {
  if (process.env.SCENERY_USER_DATA) return process.env.SCENERY_USER_DATA;
  const home = homedir();
  switch (process.platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', PRODUCT_NAME);
    case 'win32':
      return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
    default:
      return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), PRODUCT_NAME);
  }
}

export function defaultLibraryDir(): string {
  return process.env.SCENERY_LIBRARY ?? join(userDataDir(), 'library');
}

export function defaultModelsDir(): string {
  return process.env.SCENERY_MODELS_DIR ?? join(userDataDir(), 'models');
}
