/**
 * The one way a failed action becomes words for a person. Transports throw
 * ContractErrors (the engine's own plain sentences) or, when the server cannot
 * be reached, a browser TypeError like "Failed to fetch": that must never
 * reach the screen as such.
 */
import { ContractError } from '../../../shared/contract';

export const DISCONNECTED_MESSAGE = 'Not done: Scenery’s server cannot be reached. It reconnects by itself; try again then.';

/** A failure to reach the server at all (as opposed to the server answering with an error). */
export function isConnectionFailure(e: unknown): boolean {
  if (e instanceof ContractError) return false;
  return e instanceof TypeError || (e instanceof Error && /failed to fetch|networkerror|load failed|network request failed/i.test(e.message));
}

export function plainMessage(e: unknown): string {
  if (isConnectionFailure(e)) return DISCONNECTED_MESSAGE;
  if (e instanceof ContractError) return e.message;
  if (e instanceof Error && e.message) return e.message;
  return 'Something went wrong. Please try again.';
}
