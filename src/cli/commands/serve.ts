/** `scenery serve`: the app, headless, in a browser. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { forkEngine } from '../../engine/host/engine-client.js';
import { EngineSupervisor } from '../../engine/host/engine-supervisor.js';
import { currentCommand } from '../../engine/library-lock.js';
import { noModelMessage } from '../../engine/model/store/model-store.js';
import { defaultLibraryDir, defaultModelsDir } from '../../engine/paths.js';
import { checkToken, isLoopback, startServer, weakTokenWarning } from '../../server/server.js';
import { intOption, parse, UsageError } from '../args.js';

export const serveHelp = `scenery serve [--library DIR] [--port N] [--host H] [--model NAME|PATH] [--token T]
  serves the Scenery UI at http://127.0.0.1:PORT (default 4365); any non-loopback --host requires a token (given or generated;
  never empty). A --token on loopback is enforced too (use it on a machine shared with other users). See SECURITY.md`;

function rendererDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const c of [join(here, '..', 'renderer'), join(here, '..', '..', 'out', 'renderer'), join(here, '..', '..', '..', 'out', 'renderer')]) {
    if (existsSync(join(c, 'index.html'))) return c;
  }
  return join(here, '..', 'renderer');
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    library: { type: 'string' },
    models: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    model: { type: 'string' },
    token: { type: 'string' },
    static: { type: 'string' },
  });
  const host = values.host ?? '127.0.0.1';
  const port = intOption(values.port, 'port', 4365, 0, 65535);
  if (values.token !== undefined) {
    try {
      checkToken(values.token);
    } catch (e) {
      throw new UsageError(`--token: ${(e as Error).message}`);
    }
  }
  // The same engine process as the desktop app: the HTTP server's thread only relays, so thumbnails keep
  // streaming while a search over a million photos or a batch of indexing runs.
  const dir = resolve(values.library ?? defaultLibraryDir());
  // Restarted if it crashes (the catalog is durable and the indexer resumes); open pages reconnect and reload.
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  const engine = await EngineSupervisor.start(
    () => forkEngine(),
    { dir, modelsDir: values.models ?? defaultModelsDir(), model: values.model ?? null, mode: 'browser', platform: [], lockCommand: currentCommand() },
    null,
    {
      restarted: (pid, cause) => {
        console.error(`scenery serve: ${cause.message}; started it again (pid ${pid})`);
        server?.reconnectPages();
      },
      gaveUp: (err) => {
        console.error(`scenery serve: ${err.message}`);
        void (server?.close() ?? Promise.resolve()).finally(() => process.exit(1));
      },
    },
  );
  const running = await startServer({
    engine,
    host,
    port,
    token: values.token ?? null,
    staticDir: values.static ?? rendererDir(),
  });
  server = running;
  const open = running.token ? `${running.url}/?token=${encodeURIComponent(running.token)}` : running.url;
  console.log(`Scenery is serving ${dir}`);
  console.log(`Open ${open}`);
  if (!isLoopback(host)) console.log(`Token: ${running.token} (every request without it gets 401)`);
  const weak = running.token && !isLoopback(host) ? weakTokenWarning(running.token) : null;
  if (weak) console.warn(weak);
  if ((await engine.request('model.status', {})).state !== 'ready') console.log(`No scene model installed: photos are shown but not tagged. ${noModelMessage()}`);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // Never hang on the way out: a second signal or 15 s ends it regardless.
    setTimeout(() => process.exit(1), 15_000).unref();
    await running.close();
    await engine.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  await new Promise(() => {});
  return 0;
}
