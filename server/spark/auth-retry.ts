// When a refused API key may be tried again: not before a short pause after the last refusal, and never
// more than a few times a minute, so a user typing against a dead key causes no storm. Pure: the caller
// passes the time (Date.now() ms).

/** Pause after a refusal before the next request may try again (ms). */
export const AUTH_RETRY_PAUSE_MS = 2_000;
/** Most retries in any 60 s. */
export const AUTH_RETRIES_PER_MINUTE = 5;

export class RetryGate {
  private lastRefusal = -Infinity;
  private readonly attempts: number[] = [];

  constructor(
    private readonly pauseMs: number = AUTH_RETRY_PAUSE_MS,
    private readonly perMinute: number = AUTH_RETRIES_PER_MINUTE,
  ) {}

  /** The key was refused at `now`. */
  refused(now: number): void {
    this.lastRefusal = now;
  }

  /** Whether a retry may start at `now`; if so, it is counted. */
  allow(now: number): boolean {
    if (now - this.lastRefusal < this.pauseMs) return false;
    while (this.attempts.length > 0 && now - this.attempts[0]! >= 60_000) this.attempts.shift();
    if (this.attempts.length >= this.perMinute) return false;
    this.attempts.push(now);
    return true;
  }

}
