// Latest-wins per key: starting a request for a key aborts the one still running for it.
// Knows nothing of LSP or Spark; callers pass an abort source (e.g. the LSP cancellation) to link in.
import { Cancellation } from './cancellation.js';

export interface Turn {
  /** Aborted when a newer turn starts for the same key, or when the linked source aborts. */
  readonly signal: Cancellation;
  /** Ends the turn; later turns for the key are unaffected. Idempotent. */
  end(): void;
}

/** Reason given to a superseded turn's signal. */
export const SUPERSEDED = 'superseded';

export class LatestWins {
  private readonly running = new Map<string, Cancellation>();

  /** Starts a turn for `key`, superseding the running one. `onCancel` registers a listener for an outside cancellation. */
  begin(key: string, onCancel?: (abort: () => void) => void): Turn {
    this.running.get(key)?.abort(SUPERSEDED);
    const controller = new Cancellation();
    this.running.set(key, controller);
    onCancel?.(() => controller.abort('cancelled'));
    const running = this.running;
    return {
      signal: controller,
      end() {
        if (running.get(key) === controller) running.delete(key);
      },
    };
  }

  /** Aborts every running turn (shutdown). */
  abortAll(): void {
    for (const controller of this.running.values()) controller.abort('shutdown');
    this.running.clear();
  }

  get size(): number {
    return this.running.size;
  }
}
