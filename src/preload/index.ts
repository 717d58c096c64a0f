/**
 * The preload bridge: exposes the typed contract as `window.scenery`, and
 * nothing else. Runs sandboxed with context isolation; the renderer never
 * gets ipcRenderer, Node, or a file path.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { ContractError, IPC_EVENT, IPC_INVOKE, eventNames, type Envelope, type EventName, type SceneryApi } from '../shared/contract';

const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
ipcRenderer.on(IPC_EVENT, (_e, name: EventName, payload: unknown) => {
  if (eventNames.includes(name)) listeners.get(name)?.forEach((l) => l(payload));
});

const api: SceneryApi & { addDroppedFolders(files: File[]): Promise<void> } = {
  async call(command, request) {
    const envelope = (await ipcRenderer.invoke(IPC_INVOKE, command, request ?? {})) as Envelope<never>;
    if (!envelope.ok) throw ContractError.fromBody(envelope.error);
    return envelope.value;
  },
  on(event, listener) {
    const set = listeners.get(event) ?? new Set();
    set.add(listener as (p: unknown) => void);
    listeners.set(event, set);
    return () => set.delete(listener as (p: unknown) => void);
  },
  mediaUrl(kind, id, version) {
    return `scenery-media://media/${kind}/${Number(id)}?v=${Number(version)}`;
  },
  /** Folders dropped on the window: resolved to paths here, so the page never sees them. */
  async addDroppedFolders(files) {
    for (const f of files) {
      const path = webUtils.getPathForFile(f);
      if (path) await api.call('folders.add', { path });
    }
  },
};

contextBridge.exposeInMainWorld('scenery', api);
