/**
 * The engine process of the desktop app: an Electron utilityProcess (a Node
 * process Electron manages, with its own event loop and memory), so catalog
 * queries, searches over a million photos and indexing never run on the
 * thread that drives the windows and menus.
 */
import type * as ElectronModule from 'electron';
import type { EngineChild } from '../engine/host/engine-client.js';
import type { FromEngine } from '../engine/host/engine-protocol.js';

export type UtilityProcessApi = Pick<typeof ElectronModule.utilityProcess, 'fork'>;

export function utilityEngine(utilityProcess: UtilityProcessApi, entry: string): EngineChild {
  const child = utilityProcess.fork(entry, [], { serviceName: 'Scenery engine', stdio: 'inherit' });
  let alive = true;
  child.on('exit', () => (alive = false));
  return {
    post: (msg) => {
      if (alive) child.postMessage(msg);
    },
    onMessage: (fn) => child.on('message', (m: unknown) => fn(m as FromEngine)),
    onExit: (fn) => child.on('exit', (code: number) => fn(code)),
    kill: () => void child.kill(),
  };
}
