/**
 * build/electron-builder.yml: only native binaries leave the asar, so asar integrity covers all JavaScript,
 * the main process and the model worker included.
 */
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tempDir } from '../test-support/harness.js';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asarUnpackedPath, vendoredExiftoolPath } from '../engine/metadata/exiftool.js';

const root = join(__dirname, '..', '..');
const req = createRequire(join(root, 'package.json'));
const yaml = req('js-yaml') as { load(s: string): unknown };
// electron-builder matches asarUnpack with minimatch and { dot: true } (app-builder-lib/out/fileMatcher.js).
const { minimatch } = req('minimatch') as { minimatch(path: string, pattern: string, o: { dot: boolean }): boolean };

const config = yaml.load(readFileSync(join(root, 'build', 'electron-builder.yml'), 'utf8')) as {
  files: string[];
  asarUnpack: string[];
  asar: boolean;
  electronFuses: Record<string, boolean>;
};
const unpacked = (path: string) => config.asarUnpack.some((p) => minimatch(path, p, { dot: true }));

describe('electron-builder asar', () => {
  it('keeps the main process, the model worker and its chunks inside the asar (covered by integrity)', () => {
    expect(config.asar).toBe(true);
    expect(config.electronFuses['enableEmbeddedAsarIntegrityValidation']).toBe(true);
    expect(config.files).toContain('out/main/**');
    for (const f of ['out/main/index.js', 'out/main/model-worker.js', 'out/main/chunks/onnx-model-DWXF2aXX.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
      expect(unpacked(f), f).toBe(false);
    }
    expect(config.asarUnpack).not.toContain('out/main/**');
  });

  it('keeps plain JavaScript of the native packages (and the wasm-in-JS ones) inside too', () => {
    for (const f of [
      'node_modules/better-sqlite3/lib/database.js',
      'node_modules/sharp/lib/sharp.js',
      'node_modules/onnxruntime-node/dist/index.js',
      'node_modules/onnxruntime-common/dist/cjs/index.js',
      'node_modules/h5wasm/dist/node/hdf5_util.js',
      'node_modules/libheif-js/libheif-wasm/libheif-bundle.js',
      'node_modules/exiftool-vendored/dist/ExifTool.js',
    ]) {
      expect(unpacked(f), f).toBe(false);
    }
  });

  it('unpacks every native binary: better-sqlite3, sharp/@img with libvips, onnxruntime for each platform', () => {
    for (const f of [
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64-0.35.5.node',
      'node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8.18.7',
      'node_modules/@img/sharp-darwin-arm64/lib/sharp-darwin-arm64.node',
      'node_modules/@img/sharp-libvips-darwin-arm64/lib/libvips-cpp.8.18.7.dylib',
      'node_modules/@img/sharp-win32-x64/lib/libvips-42.dll',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
      'node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64/libonnxruntime.1.30.0.dylib',
      'node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime.dll',
      'node_modules/onnxruntime-node/bin/napi-v6/win32/x64/DirectML.dll',
      'node_modules/some-future-addon/build/Release/addon.node',
    ]) {
      expect(unpacked(f), f).toBe(true);
    }
  });

  it("after-pack prunes onnxruntime's other platforms where the config unpacks them", () => {
    const hook = readFileSync(join(root, 'build', 'after-pack.cjs'), 'utf8');
    expect(hook).toContain("join(resources, 'app.asar.unpacked', 'node_modules', 'onnxruntime-node', 'bin')");
    expect(unpacked('node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/libonnxruntime.so.1')).toBe(true);
  });

  it('unpacks the vendored ExifTool (Perl script with its libraries; Windows exe with its Perl runtime)', () => {
    for (const f of [
      'node_modules/exiftool-vendored.pl/bin/exiftool',
      'node_modules/exiftool-vendored.pl/bin/lib/Image/ExifTool.pm',
      'node_modules/exiftool-vendored.pl/bin/lib/Image/ExifTool/XMP.pm',
      'node_modules/exiftool-vendored.pl/index.js',
      'node_modules/exiftool-vendored.exe/bin/exiftool.exe',
      'node_modules/exiftool-vendored.exe/bin/exiftool_files/perl5.dll',
      'node_modules/exiftool-vendored.exe/bin/exiftool_files/lib/Image/ExifTool.pm',
    ]) {
      expect(unpacked(f), f).toBe(true);
    }
  });

  it('the engine launches ExifTool from app.asar.unpacked in a packaged app', () => {
    const inAsar = ['', 'opt', 'Scenery', 'resources', 'app.asar', 'node_modules', 'exiftool-vendored.pl', 'bin', 'exiftool'].join('/');
    expect(asarUnpackedPath(inAsar, '/')).toBe('/opt/Scenery/resources/app.asar.unpacked/node_modules/exiftool-vendored.pl/bin/exiftool');
    const win = 'C:\\Program Files\\Scenery\\resources\\app.asar\\node_modules\\exiftool-vendored.exe\\bin\\exiftool.exe';
    expect(asarUnpackedPath(win, '\\')).toBe('C:\\Program Files\\Scenery\\resources\\app.asar.unpacked\\node_modules\\exiftool-vendored.exe\\bin\\exiftool.exe');
    // outside an installer: the package's own copy, unchanged
    expect(vendoredExiftoolPath('linux')).toBe(realpathSync(join(root, 'node_modules', 'exiftool-vendored.pl', 'bin', 'exiftool')));
    // an installer's layout: the package inside app.asar, its unpacked copy beside it
    const tmp = tempDir('asar-layout');
    try {
      const resources = join(tmp.path, 'resources');
      for (const top of ['app.asar', 'app.asar.unpacked']) {
        mkdirSync(join(resources, top, 'node_modules', 'exiftool-vendored.pl', 'bin'), { recursive: true });
        writeFileSync(join(resources, top, 'node_modules', 'exiftool-vendored.pl', 'bin', 'exiftool'), '#!/usr/bin/perl\n');
      }
      writeFileSync(join(resources, 'app.asar', 'node_modules', 'exiftool-vendored.pl', 'index.js'), 'module.exports = require("path").join(__dirname, "bin", "exiftool");\n');
      const main = join(resources, 'app.asar', 'out', 'main', 'index.js');
      expect(vendoredExiftoolPath('linux', main)).toBe(join(resources, 'app.asar.unpacked', 'node_modules', 'exiftool-vendored.pl', 'bin', 'exiftool'));
    } finally {
      tmp.cleanup();
    }
  });

  it('electron-vite leaves exiftool-vendored outside the main bundle (it finds its vendored ExifTool beside itself)', () => {
    expect(readFileSync(join(root, 'electron.vite.config.ts'), 'utf8')).toMatch(/nativeExternals = \[[^\]]*'exiftool-vendored'/);
  });
});
