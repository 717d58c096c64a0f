/** The desktop shell's guards, tested without Electron. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HandlerTable } from '../engine/api/handlers.js';
import { createIpcHandler, isTrustedSender } from './ipc-guard.js';
import { mediaPathOf, resolveAppAsset } from './app-protocol.js';
import { loadWindowState, saveWindowState } from './window-state.js';

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
    const handle = createIpcHandler(table);
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
