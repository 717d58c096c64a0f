// Types for ensure-electron.mjs (a plain script, run by `npm start` before electron-vite).
export interface EnsureFs {
  existsSync(p: string): boolean;
  readFileSync(p: string, enc: 'utf8'): string;
}
export function electronInstalled(electronDir: string, fs: EnsureFs, env: Record<string, string | undefined>): boolean;
export function ensureElectron(o: {
  electronDir: string;
  version: string;
  fs: EnsureFs;
  env: Record<string, string | undefined>;
  download: () => Promise<void>;
  log: (line: string) => void;
}): Promise<number>;
