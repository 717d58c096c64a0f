/**
 * Scenery's desktop shell: a thin Electron layer around the engine. All the
 * work (catalog, scanning, indexing, the model in a worker thread) is the
 * engine's; this file wires windows, protocols, IPC and native integration.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, screen, session, shell, type MenuItemConstructorOptions } from 'electron';
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
import { loadWindowState, saveWindowState } from './window-state.js';

app.setName('Scenery');
// Tests and portable setups can point the app at another data folder.
if (process.env['SCENERY_USER_DATA']) app.setPath('userData', process.env['SCENERY_USER_DATA']);

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

const devServerUrl = !app.isPackaged ? (process.env['ELECTRON_RENDERER_URL'] ?? null) : null;
let mainWindow: BrowserWindow | null = null;
let library: Library | null = null;

/** Native modules and the worker live outside the asar archive. */
function unpacked(path: string): string {
  return path.replace(`app.asar${sep}`, `app.asar.unpacked${sep}`);
}

function registerProtocols(lib: Library): void {
  const rendererRoot = join(__dirname, '..', 'renderer');
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
    } catch (e) {
      return new Response((e as Error).message, { status: e instanceof MediaError ? e.status : 500 });
    }
  });
}

function hardenSessions(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!url.startsWith(`${APP_ORIGIN}/`) && !(devServerUrl && url.startsWith(devServerUrl))) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Only the Places project's pages open, in the system browser.
      if (/^https:\/\/(places2\.csail\.mit\.edu|github\.com\/CSAILVision)\//.test(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

function createWindow(): BrowserWindow {
  const stateFile = join(app.getPath('userData'), 'window-state.json');
  const state = loadWindowState(stateFile, screen.getAllDisplays().map((d) => d.workArea));
  const win = new BrowserWindow({
    ...state,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Scenery',
    backgroundColor: '#161716',
    webPreferences: {
      preload: join(__dirname, '..', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      navigateOnDragDrop: false,
    },
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  const save = (): void => saveWindowState(stateFile, { ...win.getNormalBounds(), maximized: win.isMaximized() });
  win.on('close', save);
  void win.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`);
  return win;
}

function buildMenu(lib: Library): void {
  const isMac = process.platform === 'darwin';
  const addFolder = async (): Promise<void> => {
    const r = await dialog.showOpenDialog(mainWindow!, { properties: ['openDirectory', 'multiSelections'], title: 'Add photo folders' });
    for (const p of r.filePaths) {
      try {
        lib.addFolder(p);
      } catch (e) {
        dialog.showErrorBox('Cannot add folder', (e as Error).message);
      }
    }
  };
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Add Folder…', accelerator: 'CmdOrCtrl+O', click: () => void addFolder() },
        { label: 'Import Scene Model…', click: () =>
            void pickModel().then((p) => {
              if (p) lib.importModel(p).catch((e: Error) => dialog.showErrorBox('Cannot import model', e.message));
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
    {
      role: 'help',
      submenu: [{ label: 'About the Places365 models', click: () => void shell.openExternal('https://places2.csail.mit.edu/') }],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

async function pickModel(): Promise<string | null> {
  const r = await dialog.showOpenDialog(mainWindow!, {
    title: 'Import a scene model',
    properties: ['openFile'],
    filters: [{ name: 'Models', extensions: ['caffemodel', 'h5', 'onnx'] }],
  });
  return r.filePaths[0] ?? null;
}

/** Startup, in order. */
async function main(): Promise<void> {
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

  const workerPath = unpacked(join(__dirname, 'model-worker.js'));
  library = await Library.open({
    dir: join(app.getPath('userData'), 'library'),
    modelsDir: join(app.getPath('userData'), 'models'),
    model: process.env['SCENERY_MODEL'] ?? null,
    workerPath: existsSync(workerPath) ? workerPath : undefined,
  });
  const lib = library;
  registerProtocols(lib);

  const table = createHandlers(lib, {
    mode: 'desktop',
    pickFolder: async () => (await dialog.showOpenDialog(mainWindow!, { properties: ['openDirectory'], title: 'Add a photo folder' })).filePaths[0] ?? null,
    pickModelFile: pickModel,
    showInFolder: (p) => shell.showItemInFolder(p),
    openExternal: async (p) => {
      const err = await shell.openPath(p);
      if (err) throw new Error(err);
    },
  });
  ipcMain.handle(IPC_INVOKE, createIpcHandler(table, devServerUrl));

  lib.events.onAny((name, payload) => mainWindow?.webContents.send(IPC_EVENT, name, payload));
  lib.events.on('indexing.progress', (p) => {
    if (!mainWindow) return;
    const active = p.total > 0 && p.done < p.total && !p.idleReason;
    mainWindow.setProgressBar(active ? p.done / p.total : -1, { mode: p.paused ? 'paused' : 'normal' });
  });

  buildMenu(lib);
  mainWindow = createWindow();
  mainWindow.on('closed', () => (mainWindow = null));
  app.on('activate', () => {
    if (!mainWindow) mainWindow = createWindow();
  });
}

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

main().catch((e: unknown) => {
  dialog.showErrorBox('Scenery could not start', (e as Error).stack ?? String(e));
  app.exit(1);
});
