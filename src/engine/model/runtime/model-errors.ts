/**
 * Why a classification did not happen because of the model, not the photo.
 * The indexer retries exactly these (by type, never by the words of a
 * message: a photo named model.jpg that fails to decode is the photo's fault).
 * They derive from the contract's error base, so one that reaches a UI (an
 * explanation asked for while the worker is down) arrives as `unavailable`.
 */
import { SceneryError } from '../../../shared/errors.js';

/** The model and its worker failed; the same photo may well succeed later. */
export class ModelFailure extends SceneryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', message, options);
    this.name = 'ModelFailure';
  }
}

/** The model could not be loaded, or the worker was closed (the library closing or switching models). */
export class ModelUnavailableError extends ModelFailure {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelUnavailableError';
  }
}

/** The worker thread died (an uncaught error, out of memory, exit) with requests in flight. */
export class WorkerCrashedError extends ModelFailure {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkerCrashedError';
  }
}

/** The worker is alive but running the network on a batch failed (onnxruntime reported an error). */
export class ModelRunError extends ModelFailure {
  constructor(message: string) {
    super(message);
    this.name = 'ModelRunError';
  }
}
