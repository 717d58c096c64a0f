/** The desktop shell's guards, tested without Electron. */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch, type HandlerTable } from '../engine/api/handlers.js';
import { createIpcHandler, isTrustedSender } from './ipc-guard.js';
import { mediaPathOf, resolveAppAsset } from './app-protocol.js';
import { loadWindowState, saveWindowState } from './window-state.js';
import { allowedExternalLink, isAllowedNavigation, shellPhotoPath } from './shell-guards.js';

const tmp = mkdtempSync(join(tmpdir(), 'scenery-main-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('IPC sender and argument validation', () => {
  const frame = (url: string, parent?: unknown) => ({ senderFrame: { url, parent } });
  it('trusts only the app:// top frame (or the dev server in development)', () => {
    expect(isTrustedSender(frame('app://renderer/index.html'))).toBe(true);
    expect(isTrustedSender(frame('app://renderer/index.html', {}))).toBe(false);
    expect(isTrustedSender(frame('https://evil.example/'))).toBe(false);
    expect(isTrustedSender(frame('file:///etc/passwd'))).toBe(false);
    expect(isTrustedSender(frame('app://other/index.html'))).toBe(false);
    expect(isTrustedSender({ senderFrame: null })).toBe(false);
    expect(isTrustedSender(frame('http://localhost:5173/'), 'http://localhost:5173')).toBe(true);
    expect(isTrustedSender(frame('http://localhost:5174/'), 'http://localhost:5173')).toBe(false);
  });

  it('refuses untrusted senders and validates every argument before a handler runs', async () => {
    let ran = 0;
    const table = { 'photos.get': () => { ran++; return { id: 1 }; } } as unknown as HandlerTable;
    // The relay stands for the engine process; nothing invalid may reach it.
    const handle = createIpcHandler((command, request) => dispatch(table, command, request));
    expect(await handle(frame('https://evil.example/'), 'photos.get', { id: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await handle(frame('app://renderer/'), 'photos.get', { id: '1; rm -rf /' })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await handle(frame('app://renderer/'), 'shell.openExternal', {})).toMatchObject({ ok: false, error: { code: 'unknown_command' } });
    expect(ran).toBe(0);
    expect(await handle(frame('app://renderer/'), 'photos.get', { id: 1 })).toEqual({ ok: true, value: { id: 1 } });
    expect(ran).toBe(1);
  });
});

describe('app:// protocol path checks', () => {
  const root = join(tmp, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<html>');
  writeFileSync(join(root, 'assets', 'app.js'), '');
  writeFileSync(join(tmp, 'secret.txt'), 'secret');
  symlinkSync(join(tmp, 'secret.txt'), join(root, 'assets', 'link.js'));

  it('serves files inside the renderer folder', () => {
    expect(resolveAppAsset(root, 'app://renderer/index.html')).toMatch(/index\.html$/);
    expect(resolveAppAsset(root, 'app://renderer/assets/app.js')).toMatch(/app\.js$/);
  });

  it('refuses `..`, encoded separators, absolute paths, other hosts and symlinks pointing out', () => {
    for (const url of [
      'app://renderer/../secret.txt',
      'app://renderer/%2e%2e/secret.txt',
      'app://renderer/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://renderer/..%5csecret.txt',
      'app://renderer/%2fetc%2fpasswd',
      `app://renderer/${encodeURIComponent(join(tmp, 'secret.txt'))}`,
      'app://renderer/assets/link.js',
      'app://other/index.html',
      'app://renderer/index.html%00.png',
      'not a url',
    ]) {
      expect(resolveAppAsset(root, url), url).toBeNull();
    }
  });

  it('takes media requests by kind and id only', () => {
    expect(mediaPathOf('scenery-media://media/thumb/12?v=3')).toBe('/thumb/12');
    expect(mediaPathOf('scenery-media://elsewhere/thumb/12')).toBe('');
  });
});

describe('navigation and external links (parsed origins and normalised paths, not prefixes)', () => {
  const dev = 'http://localhost:5173';

  it('lets the window go only to its own pages, or to the dev server origin exactly', () => {
    expect(isAllowedNavigation('app://renderer/index.html', null)).toBe(true);
    expect(isAllowedNavigation('app://renderer/', null)).toBe(true);
    expect(isAllowedNavigation('http://localhost:5173/', dev)).toBe(true);
    expect(isAllowedNavigation('http://localhost:5173/src/App.svelte?x=1', dev)).toBe(true);
    for (const url of [
      'http://localhost:5173.evil.example/',
      'http://localhost:51730/',
      'http://localhost:5173@evil.example/',
      'http://user@localhost:5173/',
      'https://localhost:5173/',
      'http://127.0.0.1:5173/',
      'app://renderer.evil/index.html',
      'app://renderer@evil/index.html',
      'app://other/index.html',
      'https://evil.example/',
      'javascript:alert(1)',
      'not a url',
    ]) {
      expect(isAllowedNavigation(url, dev), url).toBe(false);
    }
    expect(isAllowedNavigation('http://localhost:5173/', null)).toBe(false);
  });

  it('opens only the Places project pages, by their normalised URL', () => {
    expect(allowedExternalLink('https://places2.csail.mit.edu/')).toBe('https://places2.csail.mit.edu/');
    expect(allowedExternalLink('https://github.com/CSAILVision/places365')).toBe('https://github.com/CSAILVision/places365');
    expect(allowedExternalLink('https://github.com/CSAILVision/places365/../places365/blob/x')).toBe('https://github.com/CSAILVision/places365/blob/x');
    for (const url of [
      'https://github.com/CSAILVision/../evil',
      'https://github.com/CSAILVision/%2e%2e/evil',
      'https://github.com/CSAILVision/.%2E/evil',
      'https://github.com\\CSAILVision\\..\\evil',
      'https://github.com/CSAILVisionEvil/x',
      'https://github.com/evil',
      'https://github.com.evil.example/CSAILVision/x',
      'https://places2.csail.mit.edu.evil.example/',
      'https://places2.csail.mit.edu@evil.example/',
      'https://user@places2.csail.mit.edu/',
      'https://places2.csail.mit.edu:8443/',
      'http://places2.csail.mit.edu/',
      'file:///etc/passwd',
      'not a url',
    ]) {
      expect(allowedExternalLink(url), url).toBeNull();
    }
  });
});

describe('photo paths handed to the OS', () => {
  const watched = join(tmp, 'watched');
  const elsewhere = join(tmp, 'elsewhere');
  mkdirSync(join(watched, 'sub'), { recursive: true });
  mkdirSync(elsewhere, { recursive: true });
  writeFileSync(join(watched, 'a.jpg'), 'jpeg');
  writeFileSync(join(watched, 'run.desktop'), '[Desktop Entry]');
  writeFileSync(join(elsewhere, 'b.jpg'), 'jpeg');
  symlinkSync(join(watched, 'a.jpg'), join(watched, 'sub', 'inside.jpg'));
  symlinkSync(join(elsewhere, 'b.jpg'), join(watched, 'outside.jpg'));
  symlinkSync(join(watched, 'run.desktop'), join(watched, 'launcher.jpg'));
  symlinkSync('/etc/passwd', join(watched, 'passwd.jpg'));
  symlinkSync(join(watched, 'sub'), join(watched, 'dir.jpg'));

  it('gives the real path of a photo inside a watched folder', () => {
    expect(shellPhotoPath(join(watched, 'a.jpg'), [watched])).toBe(realpathSync(join(watched, 'a.jpg')));
    expect(shellPhotoPath(join(watched, 'sub', 'inside.jpg'), [watched])).toBe(realpathSync(join(watched, 'a.jpg')));
    expect(shellPhotoPath(join(elsewhere, 'b.jpg'), [watched, elsewhere])).toBe(realpathSync(join(elsewhere, 'b.jpg')));
  });

  it('refuses links out of the watched folders, to non-photos, to folders, and missing files', () => {
    expect(() => shellPhotoPath(join(watched, 'outside.jpg'), [watched])).toThrow(/outside the watched folders/);
    expect(() => shellPhotoPath(join(watched, 'passwd.jpg'), [watched])).toThrow(/outside the watched folders/);
    expect(() => shellPhotoPath(join(watched, 'launcher.jpg'), [watched])).toThrow(/not a photo file/);
    expect(() => shellPhotoPath(join(watched, 'dir.jpg'), [watched])).toThrow(/not a photo file/);
    expect(() => shellPhotoPath(join(watched, 'gone.jpg'), [watched])).toThrow(/not available/);
    expect(() => shellPhotoPath(join(watched, 'a.jpg'), [])).toThrow(/outside the watched folders/);
  });
});

describe('window state', () => {
  it('restores size and drops a position no display shows', () => {
    const f = join(tmp, 'ws.json');
    saveWindowState(f, { x: 5000, y: 100, width: 1000, height: 700, maximized: false });
    expect(loadWindowState(f, [{ x: 0, y: 0, width: 1920, height: 1080 }])).toEqual({ width: 1000, height: 700, maximized: false });
    expect(loadWindowState(f, [{ x: 0, y: 0, width: 1920, height: 1080 }, { x: 1920, y: 0, width: 3840, height: 2160 }])).toMatchObject({ x: 5000, y: 100 });
    writeFileSync(f, '{broken');
    expect(loadWindowState(f, [])).toEqual({ width: 1280, height: 820, maximized: false });
  });
});
