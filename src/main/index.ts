/** The Electron entry point: hands the real Electron modules to the shell. */
import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, screen, session, shell, utilityProcess } from 'electron';
import { join } from 'node:path';
import { startDesktopApp } from './desktop-app.js';

// Built as out/main/index.js, next to out/preload and out/renderer.
startDesktopApp({ app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, screen, session, shell, utilityProcess }, { outDir: join(__dirname, '..') });
