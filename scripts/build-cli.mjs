// Bundles the Electron-free side (CLI, server, engine, model worker) into out/cli.
// Run by `npm run build`/`build:cli`, at install time (`prepare`, so `scenery` works right after `npm install` or
// `npm ci`), and by bin/scenery.mjs itself when the bundle is missing (a clone where prepare did not run).
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * @param {string} [outdir] where scenery.js, model-worker.js and engine-process.js go (default out/cli)
 * @returns {Promise<void>}
 */
export async function buildCli(outdir = 'out/cli') {
  const { build } = await import('esbuild');
  await build({
    absWorkingDir: root,
    entryPoints: {
      scenery: 'src/cli/index.ts',
      'model-worker': 'src/engine/model/runtime/worker-entry.ts',
      'engine-process': 'src/engine/host/engine-process.ts',
      'personal-worker': 'src/engine/personal/personal-worker.ts',
    },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await buildCli();
  } catch (e) {
    // `prepare` also runs for `npm install --omit=dev`, where esbuild (a devDependency) is absent: not an error then.
    if (process.argv.includes('--if-possible') && /** @type {{ code?: string }} */ (e).code === 'ERR_MODULE_NOT_FOUND') {
      console.error('scenery: esbuild is not installed (devDependencies omitted), so the CLI was not built now.');
    } else throw e;
  }
}
