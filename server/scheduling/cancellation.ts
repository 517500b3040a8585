// A cancellation source with the part of AbortSignal's surface the Spark client reads (`aborted`, `reason`,
// `abort` listeners), for the per-request turns of the hot path: an AbortController's signal costs about
// 9 us to make in Node 20 (an EventTarget whose prototype is set after the fact), this a plain object.
// Knows nothing of LSP or Spark.
//
// Invariants: `abort()` takes effect once; each listener registered before it runs once, in the order
// added (a listener added twice runs once), and none after removal; a listener added after it never runs.
// A throwing listener does not stop the others; abort() rethrows the first error once all have run.

export class Cancellation {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] = [];

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = [];
    let failed: { error: unknown } | undefined;
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        failed ??= { error };
      }
    }
    if (failed !== undefined) throw failed.error;
  }

  /** `once` is accepted for AbortSignal's sake: every listener runs at most once anyway. */
  addEventListener(_type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    if (!this.aborted && !this.listeners.includes(listener)) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners.indexOf(listener);
    if (at !== -1) this.listeners.splice(at, 1);
  }
}
