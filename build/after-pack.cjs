// electron-builder afterPack hook: onnxruntime-node ships binaries for every
// platform (~150 MB); keep only the one being packaged.
const { readdirSync, rmSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const PLATFORM = { darwin: 'darwin', mac: 'darwin', win32: 'win32', windows: 'win32', linux: 'linux' };
const ARCH = { 0: 'ia32', 1: 'x64', 2: 'armv7l', 3: 'arm64', 4: 'universal' };

exports.default = async function afterPack(context) {
  const platform = PLATFORM[context.electronPlatformName];
  const arch = ARCH[context.arch] ?? String(context.arch);
  const resources = context.electronPlatformName === 'darwin'
    ? join(context.appOutDir, `${context.packager.appInfo.productFilename}.app`, 'Contents', 'Resources')
    : join(context.appOutDir, 'resources');
  const bin = join(resources, 'app.asar.unpacked', 'node_modules', 'onnxruntime-node', 'bin');
  if (!existsSync(bin)) return;
  for (const napi of readdirSync(bin)) {
    for (const p of readdirSync(join(bin, napi))) {
      if (p !== platform) rmSync(join(bin, napi, p), { recursive: true, force: true });
      else for (const a of readdirSync(join(bin, napi, p))) if (a !== arch) rmSync(join(bin, napi, p, a), { recursive: true, force: true });
    }
  }
};
