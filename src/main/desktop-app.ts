/**
 * Scenery's desktop shell: a thin Electron layer around the engine. All the
 * work (catalog, scanning, indexing, search, the model in a worker thread) is
 * the engine's, and the engine runs in its own utilityProcess: this process
 * only wires windows, protocols and native integration, checks IPC and
 * relays it. Its thread never waits on SQL or a search, so windows and menus
 * stay responsive while a million photos are searched or indexed. Electron
 * arrives as a parameter, so the whole startup can be exercised in tests
 * with a stand-in (desktop-app.test.ts).
 */
import type * as ElectronModule from 'electron';
import { createReadStream, existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { PlatformHandler } from '../engine/host/engine-client.js';
import { EngineSupervisor } from '../engine/host/engine-supervisor.js';
import type { PlatformOp } from '../engine/host/engine-protocol.js';
import { MediaError, parseMediaPath } from '../engine/media/media-files.js';
import { CSP } from '../shared/csp.js';
import { IPC_EVENT, IPC_INVOKE, type Events } from '../shared/contract.js';
import { mediaPathOf, mimeOf, resolveAppAsset, MEDIA_SCHEME } from './app-protocol.js';
import { utilityEngine } from './engine-child.js';
import { APP_ORIGIN, createIpcHandler } from './ipc-guard.js';
import { allowedExternalLink, isAllowedNavigation, shellPhotoPath } from './shell-guards.js';
import { loadWindowState, saveWindowState } from './window-state.js';

export type DesktopElectron = Pick<
  typeof ElectronModule,
  'app' | 'BrowserWindow' | 'dialog' | 'ipcMain' | 'Menu' | 'net' | 'protocol' | 'screen' | 'session' | 'shell' | 'utilityProcess'
>;

export interface DesktopOptions {
  /** The folder holding out/main, out/preload and out/renderer. */
  outDir: string;
  env?: Record<string, string | undefined>;
}

export interface DesktopApp {
  ready: Promise<void>;
  /** The engine process, kept running (null before it starts). */
  engine(): EngineSupervisor | null;
  window(): ElectronModule.BrowserWindow | null;
}

/** A copy outside the asar archive, used when there is one (installers keep the worker inside: build/electron-builder.yml). */
function unpacked(path: string): string {
  return path.replace(`app.asar${sep}`, `app.asar.unpacked${sep}`);
}

/** Startup, in order. Call before the app is ready (schemes must be registered first). */
export function startDesktopApp(e: DesktopElectron, options: DesktopOptions): DesktopApp {
  const { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, screen, session, shell, utilityProcess } = e;
  const env = options.env ?? process.env;
  let mainWindow: ElectronModule.BrowserWindow | null = null;
  let engine: EngineSupervisor | null = null;
  let quitting = false;

  app.setName('Scenery');
  // Tests and portable setups can point the app at another data folder.
  if (env['SCENERY_USER_DATA']) app.setPath('userData', env['SCENERY_USER_DATA']);
  protocol.registerSchemesAsPrivileged([
    { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
  const devServerUrl = !app.isPackaged ? (env['ELECTRON_RENDERER_URL'] ?? null) : null;

  const registerProtocols = (): void => {
    const rendererRoot = join(options.outDir, 'renderer');
    protocol.handle('app', async (request) => {
      const file = resolveAppAsset(rendererRoot, request.url);
      if (!file) return new Response('not found', { status: 404 });
      const res = await net.fetch(pathToFileURL(file).toString());
      return new Response(res.body, { headers: { 'content-type': mimeOf(file), 'content-security-policy': CSP } });
    });
    protocol.handle(MEDIA_SCHEME, async (request) => {
      try {
        const { kind, id } = parseMediaPath(mediaPathOf(request.url));
        if (!engine) throw new MediaError(500, 'the Scenery engine is not running');
        const f = await engine.resolveMedia(kind, id);
        return new Response(Readable.toWeb(createReadStream(f.path)) as ReadableStream, { headers: { 'content-type': f.contentType, 'cache-control': 'private, max-age=31536000' } });
      } catch (err) {
        return new Response((err as Error).message, { status: err instanceof MediaError ? err.status : 500 });
      }
    });
  };

  const hardenSessions = (): void => {
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    session.defaultSession.setPermissionCheckHandler(() => false);
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
    });
    app.on('web-contents-created', (_e, contents) => {
      contents.on('will-navigate', (event, url) => {
        if (!isAllowedNavigation(url, devServerUrl)) event.preventDefault();
      });
      contents.on('will-redirect', (event, url) => {
        if (!isAllowedNavigation(url, devServerUrl)) event.preventDefault();
      });
      contents.on('will-attach-webview', (event) => event.preventDefault());
      contents.setWindowOpenHandler(({ url }) => {
        // Only the Places project's pages open, in the system browser, by their normalised URL.
        const allowed = allowedExternalLink(url);
        if (allowed) void shell.openExternal(allowed);
        return { action: 'deny' };
      });
    });
  };

  const createWindow = (): ElectronModule.BrowserWindow => {
    const stateFile = join(app.getPath('userData'), 'window-state.json');
    const { maximized, ...bounds } = loadWindowState(stateFile, screen.getAllDisplays().map((d) => d.workArea));
    const win = new BrowserWindow({
      ...bounds,
      minWidth: 720,
      minHeight: 480,
      show: false,
      title: 'Scenery',
      backgroundColor: '#161716',
      webPreferences: {
        preload: join(options.outDir, 'preload', 'index.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        spellcheck: false,
        navigateOnDragDrop: false,
      },
    });
    if (maximized) win.maximize();
    win.once('ready-to-show', () => win.show());
    win.on('close', () => saveWindowState(stateFile, { ...win.getNormalBounds(), maximized: win.isMaximized() }));
    void win.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`);
    return win;
  };

  const pickModel = async (): Promise<string | null> => {
    const r = await dialog.showOpenDialog(mainWindow!, {
      title: 'Import a scene model',
      properties: ['openFile'],
      filters: [{ name: 'Models', extensions: ['caffemodel', 'h5', 'onnx'] }],
    });
    return r.filePaths[0] ?? null;
  };

  const buildMenu = (): void => {
    const isMac = process.platform === 'darwin';
    const addFolders = async (): Promise<void> => {
      const r = await dialog.showOpenDialog(mainWindow!, { properties: ['openDirectory', 'multiSelections'], title: 'Add photo folders' });
      for (const p of r.filePaths) {
        const added = await engine?.call('folders.add', { path: p });
        if (added && !added.ok) dialog.showErrorBox('Cannot add folder', added.error.message);
      }
    };
    const template: ElectronModule.MenuItemConstructorOptions[] = [
      ...(isMac ? [{ role: 'appMenu' as const }] : []),
      {
        label: 'File',
        submenu: [
          { label: 'Add Folder…', accelerator: 'CmdOrCtrl+O', click: () => void addFolders() },
          {
            label: 'Import Scene Model…',
            click: () =>
              void pickModel().then(async (p) => {
                const imported = p ? await engine?.call('model.import', { path: p }) : null;
                if (imported && !imported.ok) dialog.showErrorBox('Cannot import model', imported.error.message);
              }),
          },
          { type: 'separator' },
          isMac ? { role: 'close' } : { role: 'quit' },
        ],
      },
      { role: 'editMenu' },
      {
        label: 'View',
        submenu: [
          ...(app.isPackaged ? [] : [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }, { type: 'separator' as const }]),
          { role: 'resetZoom' },
          { role: 'zoomIn' },
          { role: 'zoomOut' },
          { type: 'separator' },
          { role: 'togglefullscreen' },
        ],
      },
      { role: 'windowMenu' },
      { role: 'help', submenu: [{ label: 'About the Places365 models', click: () => void shell.openExternal('https://places2.csail.mit.edu/') }] },
    ];
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  };

  const main = async (): Promise<void> => {
    if (!app.requestSingleInstanceLock()) {
      app.quit();
      return;
    }
    app.on('second-instance', () => {
      if (mainWindow?.isMinimized()) mainWindow.restore();
      mainWindow?.focus();
    });
    await app.whenReady();
    hardenSessions();

    const builtOrUnpacked = (file: string): string => {
      const path = unpacked(join(options.outDir, 'main', file));
      return existsSync(path) ? path : join(options.outDir, 'main', file);
    };
    const workerPath = unpacked(join(options.outDir, 'main', 'model-worker.js'));
    // What only this process can do for the engine: native dialogs and the OS file manager. The OS gets a real
    // path only if it is a photo inside a watched folder (the engine sends their real paths along).
    const platform: PlatformHandler = async (op: PlatformOp, path, watched) => {
      switch (op) {
        case 'pickFolder':
          return (await dialog.showOpenDialog(mainWindow!, { properties: ['openDirectory'], title: 'Add a photo folder' })).filePaths[0] ?? null;
        case 'pickModelFile':
          return pickModel();
        case 'showInFolder':
          shell.showItemInFolder(shellPhotoPath(path ?? '', watched));
          return null;
        case 'openExternal': {
          const err = await shell.openPath(shellPhotoPath(path ?? '', watched));
          if (err) throw new Error(err);
          return null;
        }
      }
    };
    // A crashed engine comes back on its own (engine-supervisor.ts) and the window reloads what it shows; one that
    // keeps crashing is reported instead of restarted forever.
    const supervisor = await EngineSupervisor.start(
      () => utilityEngine(utilityProcess, builtOrUnpacked('engine-process.js')),
      {
        dir: join(app.getPath('userData'), 'library'),
        modelsDir: join(app.getPath('userData'), 'models'),
        model: env['SCENERY_MODEL'] ?? null,
        workerPath: existsSync(workerPath) ? workerPath : undefined,
        mode: 'desktop',
        platform: ['pickFolder', 'pickModelFile', 'showInFolder', 'openExternal'],
        // What another Scenery process is told holds the library (not "engine-process").
        lockCommand: 'the Scenery desktop app',
      },
      platform,
      {
        restarted: () => mainWindow?.webContents.reload(),
        gaveUp: (err) => {
          if (quitting) return;
          dialog.showErrorBox('Scenery stopped working', `${err.message}. Your library is safe; start Scenery again.`);
          app.quit();
        },
      },
    );
    engine = supervisor;
    supervisor.onEvent((name, payload) => mainWindow?.webContents.send(IPC_EVENT, name, payload));
    supervisor.onEvent((name, payload) => {
      if (name !== 'indexing.progress' || !mainWindow) return;
      const p = payload as Events['indexing.progress'];
      const active = p.total > 0 && p.done < p.total && !p.idleReason;
      mainWindow.setProgressBar(active ? p.done / p.total : -1, { mode: p.stalled ? 'error' : p.paused ? 'paused' : 'normal' });
    });
    registerProtocols();
    ipcMain.handle(
      IPC_INVOKE,
      createIpcHandler((command, request) => supervisor.call(command, request), devServerUrl),
    );

    buildMenu();
    mainWindow = createWindow();
    mainWindow.on('closed', () => (mainWindow = null));
    app.on('activate', () => {
      if (!mainWindow) mainWindow = createWindow();
    });
  };

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', (event) => {
    if (quitting || !engine) return;
    event.preventDefault();
    quitting = true;
    void engine.close().finally(() => app.quit());
  });

  const ready = main().catch((err: unknown) => {
    dialog.showErrorBox('Scenery could not start', (err as Error).stack ?? String(err));
    app.exit(1);
  });
  return { ready, engine: () => engine, window: () => mainWindow };
}
