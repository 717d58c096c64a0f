/**
 * The desktop shell's startup against a stand-in for Electron: which windows,
 * protocols, handlers and guards it sets up, and how they answer. (The real
 * Electron suite is e2e/electron.spec.ts, where the binary exists.)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../shared/contract.js';
import { IPC_EVENT, IPC_INVOKE } from '../shared/contract.js';
import { tempDir, waitFor } from '../test-support/harness.js';
import { hasShared, REPO_ROOT, shared } from '../test-support/shared-data.js';
import { startDesktopApp, type DesktopApp, type DesktopElectron } from './desktop-app.js';

type Listener = (...args: unknown[]) => unknown;
const ENGINE_SOURCE = join(REPO_ROOT, 'src', 'engine', 'host', 'engine-process.ts');

class FakeEmitter {
  readonly listeners = new Map<string, Listener[]>();
  on(name: string, fn: Listener): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
    return this;
  }
  once(name: string, fn: Listener): this {
    return this.on(name, fn);
  }
  emit(name: string, ...args: unknown[]): unknown[] {
    return (this.listeners.get(name) ?? []).map((fn) => fn(...args));
  }
}

class FakeWebContents extends FakeEmitter {
  sent: unknown[][] = [];
  reloads = 0;
  reload(): void {
    this.reloads++;
  }
  openHandler: ((d: { url: string }) => { action: string }) | null = null;
  send(...args: unknown[]): void {
    this.sent.push(args);
  }
  setWindowOpenHandler(fn: (d: { url: string }) => { action: string }): void {
    this.openHandler = fn;
  }
}

function fakeElectron(userData: string) {
  const windows: FakeWindow[] = [];
  const protocols = new Map<string, (req: Request) => Promise<Response>>();
  const ipc = new Map<string, Listener>();
  const calls: string[] = [];
  const engines: ChildProcess[] = [];
  let permissionHandler: Listener | null = null;
  const app = new (class extends FakeEmitter {
    isPackaged = false;
    setName(n: string) {
      calls.push(`setName:${n}`);
    }
    setPath(k: string, v: string) {
      calls.push(`setPath:${k}:${v}`);
    }
    getPath() {
      return userData;
    }
    requestSingleInstanceLock() {
      calls.push('lock');
      return true;
    }
    whenReady() {
      return Promise.resolve();
    }
    quit() {
      calls.push('quit');
    }
    exit(code: number) {
      calls.push(`exit:${code}`);
    }
  })();
  class FakeWindow extends FakeEmitter {
    webContents = new FakeWebContents();
    url = '';
    progress: unknown[] = [];
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    loadURL(u: string) {
      this.url = u;
      return Promise.resolve();
    }
    maximize() {}
    show() {}
    isMaximized() {
      return false;
    }
    isMinimized() {
      return false;
    }
    getNormalBounds() {
      return { x: 10, y: 10, width: 1000, height: 700 };
    }
    setProgressBar(...args: unknown[]) {
      this.progress.push(args);
    }
  }
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    dialog: { showOpenDialog: async () => ({ filePaths: [] }), showErrorBox: (t: string, m: string) => calls.push(`error:${t}:${m}`) },
    ipcMain: { handle: (ch: string, fn: Listener) => ipc.set(ch, fn) },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: () => calls.push('menu') },
    net: { fetch: async (url: string) => new Response(readFileSync(new URL(url))) },
    protocol: {
      registerSchemesAsPrivileged: (s: { scheme: string }[]) => calls.push(`schemes:${s.map((x) => x.scheme).join(',')}`),
      handle: (scheme: string, fn: (req: Request) => Promise<Response>) => protocols.set(scheme, fn),
    },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: Listener) => (permissionHandler = fn),
        setPermissionCheckHandler: () => {},
        webRequest: { onHeadersReceived: () => {} },
      },
    },
    shell: {
      openExternal: async (u: string) => calls.push(`open:${u}`),
      showItemInFolder: (p: string) => calls.push(`show:${p}`),
      openPath: async (p: string) => (calls.push(`openPath:${p}`), ''),
    },
    // Electron's utilityProcess, played by a Node child process running the engine's source (the API is the same
    // shape: postMessage, 'message', 'exit', kill).
    utilityProcess: {
      fork: (modulePath: string, _args: string[], opts: { serviceName?: string }) => {
        calls.push(`fork:${modulePath}:${opts.serviceName}`);
        const cp = fork(ENGINE_SOURCE, [], { serialization: 'advanced', execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        engines.push(cp);
        return {
          pid: cp.pid,
          postMessage: (m: unknown) => cp.send(m as object),
          on: (name: string, fn: Listener) => (name === 'message' ? cp.on('message', fn) : cp.on('exit', (code) => fn(code ?? -1))),
          kill: () => cp.kill('SIGKILL'),
        };
      },
    },
  };
  return { electron: electron as unknown as DesktopElectron, windows, protocols, ipc, calls, engines, permission: () => permissionHandler };
}

describe('desktop shell startup', () => {
  const tmp = tempDir('desktop');
  const outDir = join(tmp.path, 'out');
  const fake = fakeElectron(join(tmp.path, 'userData'));
  let desktop: DesktopApp;

  beforeAll(async () => {
    mkdirSync(join(outDir, 'renderer'), { recursive: true });
    writeFileSync(join(outDir, 'renderer', 'index.html'), '<!doctype html><title>Scenery</title>');
    writeFileSync(join(tmp.path, 'secret.txt'), 'secret');
    desktop = startDesktopApp(fake.electron, { outDir, env: { SCENERY_USER_DATA: join(tmp.path, 'userData') } });
    await desktop.ready;
  });
  afterAll(async () => {
    await desktop.engine()?.close();
    tmp.cleanup();
  });

  it('takes the single-instance lock, registers privileged schemes, builds the menu', () => {
    expect(fake.calls).toEqual(expect.arrayContaining(['setName:Scenery', `setPath:userData:${join(tmp.path, 'userData')}`, 'schemes:app,scenery-media', 'lock', 'menu']));
    expect(fake.calls.indexOf('schemes:app,scenery-media')).toBeLessThan(fake.calls.indexOf('lock'));
  });

  it('opens one sandboxed, isolated window on app://', () => {
    expect(fake.windows).toHaveLength(1);
    const w = fake.windows[0]!;
    expect(w.options['webPreferences']).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, preload: join(outDir, 'preload', 'index.cjs') });
    expect(w.url).toBe('app://renderer/index.html');
  });

  it('blocks navigation, new windows and permissions', () => {
    const wc = fake.windows[0]!.webContents;
    let prevented = 0;
    const event = { preventDefault: () => prevented++ };
    wc.emit('will-navigate', event, 'https://evil.example/');
    wc.emit('will-navigate', event, 'app://renderer/index.html');
    wc.emit('will-attach-webview', event);
    expect(prevented).toBe(2);
    expect(wc.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(wc.openHandler!({ url: 'https://places2.csail.mit.edu/' })).toEqual({ action: 'deny' });
    expect(fake.calls).toContain('open:https://places2.csail.mit.edu/');
    // Prefix look-alikes: another host, a path that climbs out of the allowed one.
    wc.emit('will-navigate', event, 'app://renderer.evil.example/index.html');
    wc.emit('will-redirect', event, 'app://renderer@evil.example/');
    expect(prevented).toBe(4);
    for (const url of ['https://github.com/CSAILVision/../evil', 'https://github.com/CSAILVision/%2e%2e/evil', 'https://places2.csail.mit.edu.evil.example/']) {
      expect(wc.openHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(fake.calls.filter((c) => c.startsWith('open:'))).toEqual(['open:https://places2.csail.mit.edu/']);
    wc.openHandler!({ url: 'https://github.com/CSAILVision/places365' });
    expect(fake.calls).toContain('open:https://github.com/CSAILVision/places365');
    let granted: boolean | null = null;
    fake.permission()!(null, 'media', (ok: boolean) => (granted = ok));
    expect(granted).toBe(false);
  });

  it('serves the renderer with a CSP and nothing outside it', async () => {
    const handler = fake.protocols.get('app')!;
    const ok = await handler(new Request('app://renderer/index.html'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await ok.text()).toContain('Scenery');
    expect((await handler(new Request('app://renderer/%2e%2e/%2e%2e/secret.txt'))).status).toBe(404);
  });

  it('answers IPC from its own page only, through the contract', async () => {
    const invoke = fake.ipc.get(IPC_INVOKE)!;
    const own = { senderFrame: { url: 'app://renderer/index.html' } };
    const foreign = { senderFrame: { url: 'https://evil.example/' } };
    expect(((await invoke(own, 'app.info', {})) as Envelope<{ mode: string }>)).toMatchObject({ ok: true, value: { mode: 'desktop' } });
    expect(await invoke(foreign, 'app.info', {})).toMatchObject({ ok: false });
    expect(await invoke(own, 'photos.get', { id: 'x' })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it.skipIf(!hasShared)('forwards engine events to the page and shows progress on the taskbar', async () => {
    const folder = join(tmp.path, 'photos');
    mkdirSync(folder);
    copyFileSync(shared('photos', 'kpa_bar.jpg'), join(folder, 'bar.jpg'));
    const invoke = fake.ipc.get(IPC_INVOKE)!;
    expect(await invoke({ senderFrame: { url: 'app://renderer/' } }, 'folders.add', { path: folder })).toMatchObject({ ok: true });
    const w = fake.windows[0]!;
    await waitFor('events forwarded', () => w.webContents.sent.some((m) => m[0] === IPC_EVENT && m[1] === 'photo.added'));
    await waitFor('progress shown', () => w.progress.length > 0);
    const media = fake.protocols.get('scenery-media')!;
    expect((await media(new Request('scenery-media://media/thumb/..%2f..%2fetc%2fpasswd'))).status).toBe(403);
  });
});

describe('desktop shell: the engine process', () => {
  const tmp = tempDir('desktop-engine');
  const fake = fakeElectron(join(tmp.path, 'userData'));
  let desktop: DesktopApp;
  beforeAll(async () => {
    mkdirSync(join(tmp.path, 'out', 'renderer'), { recursive: true });
    writeFileSync(join(tmp.path, 'out', 'renderer', 'index.html'), '<!doctype html>');
    desktop = startDesktopApp(fake.electron, { outDir: join(tmp.path, 'out'), env: { SCENERY_USER_DATA: join(tmp.path, 'userData') } });
    await desktop.ready;
  }, 60_000);
  afterAll(async () => {
    await desktop.engine()?.close();
    tmp.cleanup();
  });

  it('runs the engine in a utilityProcess, not on the main thread, and brings it back after a crash', async () => {
    expect(fake.calls).toContain(`fork:${join(tmp.path, 'out', 'main', 'engine-process.js')}:Scenery engine`);
    const first = desktop.engine()!;
    expect(first.pid).not.toBe(process.pid);
    const invoke = fake.ipc.get(IPC_INVOKE)!;
    const own = { senderFrame: { url: 'app://renderer/' } };
    mkdirSync(join(tmp.path, 'photos'));
    expect(await invoke(own, 'folders.add', { path: join(tmp.path, 'photos') })).toMatchObject({ ok: true });
    // Invalid requests stop in the main process: they never reach the engine.
    expect(await invoke(own, 'folders.add', { path: 42 })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    process.kill(first.pid, 'SIGKILL');
    const second = await waitFor('the engine restarted', () => (desktop.engine() && desktop.engine() !== first ? desktop.engine() : null), 60_000);
    expect(second.pid).not.toBe(first.pid);
    expect(fake.windows[0]!.webContents.reloads).toBe(1);
    // The library the dead engine left is the one the new engine serves.
    expect(await invoke(own, 'folders.list', {})).toMatchObject({ ok: true, value: [{ displayPath: join(tmp.path, 'photos') }] });
    expect(fake.calls.filter((c) => c.startsWith('error:'))).toEqual([]);
  }, 90_000);

  it('closes the engine before quitting', async () => {
    const engine = desktop.engine()!;
    const prevented: number[] = [];
    fake.electron.app.emit('before-quit', { preventDefault: () => prevented.push(1) });
    expect(prevented).toEqual([1]);
    await waitFor('quit after the engine closed', () => fake.calls.includes('quit'), 30_000);
    expect(engine.running).toBe(false);
    expect(fake.engines.every((cp) => cp.exitCode !== null || cp.signalCode !== null)).toBe(true);
  }, 60_000);
});

describe('desktop shell: what reaches the OS', () => {
  const tmp = tempDir('desktop-shell');
  const fake = fakeElectron(join(tmp.path, 'userData'));
  let desktop: DesktopApp;
  beforeAll(async () => {
    mkdirSync(join(tmp.path, 'out', 'renderer'), { recursive: true });
    writeFileSync(join(tmp.path, 'out', 'renderer', 'index.html'), '<!doctype html>');
    desktop = startDesktopApp(fake.electron, { outDir: join(tmp.path, 'out'), env: { SCENERY_USER_DATA: join(tmp.path, 'userData'), ELECTRON_RENDERER_URL: 'http://localhost:5173' } });
    await desktop.ready;
  });
  afterAll(async () => {
    await desktop.engine()?.close();
    tmp.cleanup();
  });

  it('in development, navigates to the dev server origin exactly, not to a look-alike host', () => {
    const wc = fake.windows[0]!.webContents;
    expect(fake.windows[0]!.url).toBe('http://localhost:5173');
    const blocked: string[] = [];
    for (const url of ['http://localhost:5173/', 'http://localhost:5173/#/x', 'http://localhost:5173.evil.example/', 'http://localhost:51730/', 'http://localhost:5173@evil.example/']) {
      wc.emit('will-navigate', { preventDefault: () => blocked.push(url) }, url);
    }
    expect(blocked).toEqual(['http://localhost:5173.evil.example/', 'http://localhost:51730/', 'http://localhost:5173@evil.example/']);
  });

  it('opens and reveals only the real path of a photo inside a watched folder, never a link out of it', async () => {
    const folder = join(tmp.path, 'photos');
    mkdirSync(folder);
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 140, b: 200 } } }).jpeg().toFile(join(folder, 'real.jpg'));
    writeFileSync(join(tmp.path, 'secret.jpg'), 'outside every watched folder');
    const invoke = fake.ipc.get(IPC_INVOKE)!;
    const own = { senderFrame: { url: 'app://renderer/' } };
    expect(await invoke(own, 'folders.add', { path: folder })).toMatchObject({ ok: true });
    const id = await waitFor('photo catalogued', async () => {
      const r = (await invoke(own, 'photos.list', {})) as Envelope<{ items: { id: number; name: string }[] }>;
      return r.ok ? r.value.items.find((p) => p.name === 'real.jpg')?.id : undefined;
    });
    // positive control: the photo itself, by its real path
    expect(await invoke(own, 'photos.openExternal', { id })).toMatchObject({ ok: true });
    expect(await invoke(own, 'photos.showInFolder', { id })).toMatchObject({ ok: true });
    const real = realpathSync(join(folder, 'real.jpg'));
    expect(fake.calls).toEqual(expect.arrayContaining([`openPath:${real}`, `show:${real}`]));
    // The same catalogued name becomes a link out of the folder: the OS must not be handed it.
    const before = fake.calls.length;
    renameSync(join(folder, 'real.jpg'), join(tmp.path, 'moved.jpg'));
    symlinkSync(join(tmp.path, 'secret.jpg'), join(folder, 'real.jpg'));
    expect(await invoke(own, 'photos.openExternal', { id })).toMatchObject({ ok: false });
    expect(await invoke(own, 'photos.showInFolder', { id })).toMatchObject({ ok: false });
    expect(fake.calls.slice(before).filter((c) => c.startsWith('openPath:') || c.startsWith('show:'))).toEqual([]);
  });
});
