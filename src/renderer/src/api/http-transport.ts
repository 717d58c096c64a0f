/**
 * The contract over HTTP for `scenery serve`: commands are POST /api/<command>,
 * events arrive as Server-Sent Events. Same-origin only; the server's token
 * cookie (if any) rides along automatically.
 *
 * The server may stop and come back (a restart, a laptop lid): the transport
 * owns the event stream's retry loop (a browser's EventSource gives up for good
 * after one HTTP error answer) and says when the connection is lost and found,
 * so the UI can show it and refresh everything once it is back.
 */
import { ContractError, eventNames, type Command, type EventName, type Events, type Request, type Response, type SceneryApi, type Envelope } from '../../../shared/contract';

const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 5000;

export function createHttpApi(base = ''): SceneryApi {
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const connectionListeners = new Set<(connected: boolean) => void>();
  let source: EventSource | null = null;
  let connected = true;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let retryMs = RETRY_FIRST_MS;

  const setConnected = (c: boolean): void => {
    if (c === connected) return;
    connected = c;
    connectionListeners.forEach((l) => l(c));
  };

  const scheduleReconnect = (): void => {
    if (retryTimer || source) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };

  const connect = (): void => {
    if (source) return;
    const es = new EventSource(`${base}/api/events`);
    source = es;
    // The server greets every new stream: from then on, events flow again.
    es.addEventListener('hello', () => {
      retryMs = RETRY_FIRST_MS;
      setConnected(true);
    });
    es.onerror = () => {
      es.close();
      if (source === es) source = null;
      setConnected(false);
      scheduleReconnect();
    };
    for (const name of eventNames) {
      es.addEventListener(name, (e) => {
        const payload = JSON.parse((e as MessageEvent<string>).data) as unknown;
        listeners.get(name)?.forEach((l) => l(payload));
      });
    }
  };

  return {
    async call<C extends Command>(command: C, request: Request<C>): Promise<Response<C>> {
      let res: globalThis.Response;
      try {
        res = await fetch(`${base}/api/${command}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(request ?? {}),
          credentials: 'same-origin',
        });
      } catch (e) {
        // Not an answer at all: the server is gone. The event stream's retry loop finds it again.
        // A new stream is opened even if the old one has not noticed yet: its greeting is the sign of recovery.
        if (listeners.size) {
          setConnected(false);
          source?.close();
          source = null;
          scheduleReconnect();
        }
        throw e;
      }
      let envelope: Envelope<Response<C>>;
      try {
        envelope = (await res.json()) as Envelope<Response<C>>;
      } catch {
        throw new ContractError('internal', `the server answered ${res.status} ${res.statusText}`);
      }
      if (!envelope.ok) throw ContractError.fromBody(envelope.error);
      return envelope.value;
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      connect();
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (p: unknown) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (p: unknown) => void);
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    mediaUrl(kind, id, version) {
      return `${base}/media/${kind}/${id}?v=${version}`;
    },
  };
}
