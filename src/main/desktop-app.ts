/**
 * Scenery's desktop shell: a thin Electron layer around the engine. All the
 * work (catalog, scanning, indexing, the model in a worker thread) is the
 * engine's; this module wires windows, protocols, IPC and native
 * integration. Electron arrives as a parameter, so the whole startup can be
 * exercised in tests with a stand-in (desktop-app.test.ts).
 */
import type * as ElectronModule from 'electron';
import { createReadStream, existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createHandlers } from '../engine/api/handlers.js';
import { Library } from '../engine/library.js';
import { MediaError, parseMediaPath, resolveMedia } from '../engine/media/media-files.js';
import { CSP } from '../shared/csp.js';
import { IPC_EVENT, IPC_INVOKE } from '../shared/contract.js';
import { mediaPathOf, mimeOf, resolveAppAsset, MEDIA_SCHEME } from './app-protocol.js';
import { APP_ORIGIN, createIpcHandler } from './ipc-guard.js';
import { allowedExternalLink, isAllowedNavigation, shellPhotoPath } from './shell-guards.js';
import { loadWindowState, saveWindowState } from './window-state.js';
import { endExiftool } from '../engine/metadata/exiftool.js';

export type DesktopElectron = Pick<
  typeof ElectronModule,
  'app' | 'BrowserWindow' | 'dialog' | 'ipcMain' | 'Menu' | 'net' | 'protocol' | 'screen' | 'session' | 'shell'
>;

export interface DesktopOptions {
  /** The folder holding out/main, out/preload and out/renderer. */
  outDir: string;
  env?: Record<string, string | undefined>;
}

export interface DesktopApp {
  ready: Promise<void>;
  library(): Library | null;
  window(): ElectronModule.BrowserWindow | null;
}

/** A copy outside the asar archive, used when there is one (installers keep the worker inside: build/electron-builder.yml). */
function unpacked(path: string): string {
  return path.replace(`app.asar${sep}`, `app.asar.unpacked${sep}`);
}

/** Startup, in order. Call before the app is ready (schemes must be registered first). */
export function startDesktopApp(e: DesktopElectron, options: DesktopOptions): DesktopApp {
  const { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, screen, session, shell } = e;
  const env = options.env ?? process.env;
  let mainWindow: ElectronModule.BrowserWindow | null = null;
  let library: Library | null = null;

  app.setName('Scenery');
  // Tests and portable setups can point the app at another data folder.
  if (env['SCENERY_USER_DATA']) app.setPath('userData', env['SCENERY_USER_DATA']);
  protocol.registerSchemesAsPrivileged([
    { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
  const devServerUrl = !app.isPackaged ? (env['ELECTRON_RENDERER_URL'] ?? null) : null;

  const registerProtocols = (lib: Library): void => {
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
        const f = await resolveMedia(lib, kind, id);
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

  const buildMenu = (lib: Library): void => {
    const isMac = process.platform === 'darwin';
    const addFolders = async (): Promise<void> => {
      const r = await dialog.showOpenDialog(mainWindow!, { properties: ['openDirectory', 'multiSelections'], title: 'Add photo folders' });
      for (const p of r.filePaths) {
        try {
          lib.addFolder(p);
        } catch (err) {
          dialog.showErrorBox('Cannot add folder', (err as Error).message);
        }
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
              void pickModel().then((p) => {
                if (p) lib.importModel(p).catch((err: Error) => dialog.showErrorBox('Cannot import model', err.message));
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

    const workerPath = unpacked(join(options.outDir, 'main', 'model-worker.js'));
    library = await Library.open({
      dir: join(app.getPath('userData'), 'library'),
      modelsDir: join(app.getPath('userData'), 'models'),
      model: env['SCENERY_MODEL'] ?? null,
      workerPath: existsSync(workerPath) ? workerPath : undefined,
    });
    const lib = library;
    registerProtocols(lib);
    const watchedFolders = (): string[] => lib.catalog.folders().map((f) => f.path);

    const table = createHandlers(lib, {
      mode: 'desktop',
      pickFolder: async () => (await dialog.showOpenDialog(mainWindow!, { properties: ['openDirectory'], title: 'Add a photo folder' })).filePaths[0] ?? null,
      pickModelFile: pickModel,
      // The OS gets the real path, and only if it is a photo inside a watched folder (as media requests).
      showInFolder: (p) => shell.showItemInFolder(shellPhotoPath(p, watchedFolders())),
      openExternal: async (p) => {
        const err = await shell.openPath(shellPhotoPath(p, watchedFolders()));
        if (err) throw new Error(err);
      },
    });
    ipcMain.handle(IPC_INVOKE, createIpcHandler(table, devServerUrl));

    lib.events.onAny((name, payload) => mainWindow?.webContents.send(IPC_EVENT, name, payload));
    lib.events.on('indexing.progress', (p) => {
      if (!mainWindow) return;
      const active = p.total > 0 && p.done < p.total && !p.idleReason;
      mainWindow.setProgressBar(active ? p.done / p.total : -1, { mode: p.stalled ? 'error' : p.paused ? 'paused' : 'normal' });
    });

    buildMenu(lib);
    mainWindow = createWindow();
    mainWindow.on('closed', () => (mainWindow = null));
    app.on('activate', () => {
      if (!mainWindow) mainWindow = createWindow();
    });
  };

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || !library) return;
    event.preventDefault();
    quitting = true;
    void library.close().finally(() => app.quit());
  });
  // The library's close ends ExifTool's processes; this also covers a library that never opened.
  app.on('will-quit', () => void endExiftool());

  const ready = main().catch((err: unknown) => {
    dialog.showErrorBox('Scenery could not start', (err as Error).stack ?? String(err));
    app.exit(1);
  });
  return { ready, library: () => library, window: () => mainWindow };
}
