/**
 * The contract over HTTP for `scenery serve`: commands are POST /api/<command>,
 * events arrive as Server-Sent Events. Same-origin only; the server's token
 * cookie (if any) rides along automatically.
 */
import { ContractError, eventNames, type Command, type EventName, type Events, type Request, type Response, type SceneryApi, type Envelope } from '../../../shared/contract';

export function createHttpApi(base = ''): SceneryApi {
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  let source: EventSource | null = null;

  const connect = (): void => {
    if (source) return;
    source = new EventSource(`${base}/api/events`);
    for (const name of eventNames) {
      source.addEventListener(name, (e) => {
        const payload = JSON.parse((e as MessageEvent<string>).data) as unknown;
        listeners.get(name)?.forEach((l) => l(payload));
      });
    }
  };

  return {
    async call<C extends Command>(command: C, request: Request<C>): Promise<Response<C>> {
      const res = await fetch(`${base}/api/${command}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request ?? {}),
        credentials: 'same-origin',
      });
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
    mediaUrl(kind, id, version) {
      return `${base}/media/${kind}/${id}?v=${version}`;
    },
  };
}
