/**
 * IPC validation. Every message is checked before it leaves the main
 * process: the sender must be our own renderer (top frame, app:// origin),
 * and the arguments must satisfy the contract's schema. Only then is it
 * relayed to the engine process, which validates again (its dispatch serves
 * every transport). Electron types stay out of this module so it can be
 * tested without Electron.
 */
import { toErrorBody } from '../shared/errors.js';
import { isCommand, parseRequest } from '../shared/requests.js';
import { ContractError, type Command, type Envelope } from '../shared/contract.js';

/** Hands a checked request to the engine (in the desktop app, to its process). */
export type Relay = (command: Command, request: unknown) => Promise<Envelope<unknown>>;

export const APP_ORIGIN = 'app://renderer';

export interface SenderLike {
  senderFrame: { url: string; parent?: unknown } | null;
}

export function isTrustedSender(event: SenderLike, devServerUrl?: string | null): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  if (url.origin === APP_ORIGIN || `${url.protocol}//${url.host}` === APP_ORIGIN) return true;
  if (devServerUrl) {
    try {
      return url.origin === new URL(devServerUrl).origin;
    } catch {
      return false;
    }
  }
  return false;
}

export function createIpcHandler(relay: Relay, devServerUrl?: string | null) {
  return async (event: SenderLike, command: unknown, payload: unknown): Promise<Envelope<unknown>> => {
    if (!isTrustedSender(event, devServerUrl)) {
      return { ok: false, error: { code: 'invalid_request', message: 'message from an untrusted frame refused' } };
    }
    try {
      if (!isCommand(command)) throw new ContractError('unknown_command', `unknown command ${JSON.stringify(command)?.slice(0, 80)}`);
      return await relay(command, parseRequest(command, payload));
    } catch (e) {
      return { ok: false, error: toErrorBody(e) };
    }
  };
}
