/**
 * IPC validation. Every message is checked twice: the sender must be our own
 * renderer (top frame, app:// origin), and the arguments must satisfy the
 * contract's schema (done by the engine's dispatch). Electron types stay out
 * of this module so it can be tested without Electron.
 */
import { dispatch, type HandlerTable } from '../engine/api/handlers.js';
import type { Envelope } from '../shared/contract.js';

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

export function createIpcHandler(table: HandlerTable, devServerUrl?: string | null) {
  return async (event: SenderLike, command: unknown, payload: unknown): Promise<Envelope<unknown>> => {
    if (!isTrustedSender(event, devServerUrl)) {
      return { ok: false, error: { code: 'invalid_request', message: 'message from an untrusted frame refused' } };
    }
    return dispatch(table, command, payload);
  };
}
