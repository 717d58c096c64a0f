/**
 * Entry point of the engine process. In the desktop app it runs in an
 * Electron utilityProcess (messages through `process.parentPort`); in tests
 * and the bench in a Node child process (`process.send`). Either way the
 * same engine host serves the library; the process exits once it is closed.
 */
import { runEngineHost, type HostPort } from './engine-host.js';
import type { FromEngine, ToEngine } from './engine-protocol.js';

interface ElectronParentPort {
  postMessage(msg: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

function parentPort(): HostPort {
  const electron = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (electron) {
    return {
      post: (msg: FromEngine) => electron.postMessage(msg),
      onMessage: (fn) => electron.on('message', (e) => fn(e.data as ToEngine)),
    };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('engine-process must be started by a shell (Electron utilityProcess or Node fork with an IPC channel)');
  return {
    post: (msg: FromEngine) => void send(msg),
    onMessage: (fn) => process.on('message', (m) => fn(m as ToEngine)),
  };
}

// The shell going away (crash, kill -9) must not leave an orphan indexing on its own.
process.on('disconnect', () => process.exit(0));

void runEngineHost(parentPort()).then(() => {
  // Let the last message leave before exiting.
  setImmediate(() => process.exit(0));
});
