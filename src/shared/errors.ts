/**
 * The one error base of the contract. Every failure that crosses the
 * boundary between a UI and the engine has a code from this closed list, so
 * a UI can act on the code and show the message; the engine's own failures
 * derive from SceneryError (or are mapped in toErrorBody, the one place an
 * unknown error becomes a code). This module imports nothing: requests.ts
 * throws these and contract.ts re-exports them, so requests.ts need not
 * import contract.ts (which imports requests.ts's schemas): no import circle.
 */

export type ErrorCode =
  | 'invalid_request'
  | 'unknown_command'
  | 'not_found'
  | 'unsupported'
  | 'conflict'
  /** Something the engine needs (the scene model and its worker) is not working right now; trying again later may succeed. */
  | 'unavailable'
  | 'internal';

export interface ErrorIssue {
  path: string;
  message: string;
}

/** The only error shape that crosses the boundary. */
export interface ContractErrorBody {
  code: ErrorCode;
  message: string;
  issues?: ErrorIssue[];
}

export class SceneryError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SceneryError';
  }
  toBody(): ContractErrorBody {
    return { code: this.code, message: this.message };
  }
}

/** An error answered by the other side of the contract (or raised by a request's validation, with the bad fields). */
export class ContractError extends SceneryError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly issues?: ErrorIssue[],
  ) {
    super(code, message);
    this.name = 'ContractError';
  }
  override toBody(): ContractErrorBody {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }
  static fromBody(body: ContractErrorBody): ContractError {
    return new ContractError(body.code, body.message, body.issues);
  }
}

/** The one mapping from a thrown value to what crosses the contract: typed errors keep their code, anything else is `internal`. */
export function toErrorBody(e: unknown): ContractErrorBody {
  if (e instanceof SceneryError) return e.toBody();
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'internal', message: message || 'internal error' };
}
