// Many deadlines on one timer, so that a request that ends in time costs no timer work: the timer is armed
// for the earliest pending deadline; removing a deadline leaves it armed (it may then fire for nothing, and
// re-arms for the earliest one left). Knows nothing of requests or sockets.
//
// Invariants (times in Date.now() ms): each added callback runs at most once, never before its time, and
// never after its remove() or clear(); due callbacks run earliest first; while a deadline is pending the
// timer is armed no later than it.
// The timer is unref'd (it never keeps the process alive by itself) and clear() leaves none behind.

export interface Deadline {
  readonly at: number;
  readonly run: () => void;
}

export class Deadlines {
  private readonly pending = new Set<Deadline>();
  private timer: NodeJS.Timeout | undefined;
  /** When the timer fires; Infinity when none is armed. */
  private armedFor = Infinity;

  /** Runs `run` at `at` unless removed first. */
  add(at: number, run: () => void): Deadline {
    const deadline = { at, run };
    this.pending.add(deadline);
    if (at < this.armedFor) this.arm(at);
    return deadline;
  }

  remove(deadline: Deadline): void {
    this.pending.delete(deadline);
  }

  /** Drops every deadline and the timer. */
  clear(): void {
    this.pending.clear();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  get size(): number {
    return this.pending.size;
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = Date.now();
    const due: Deadline[] = [];
    let next = Infinity;
    for (const deadline of this.pending) {
      if (deadline.at <= now) due.push(deadline);
      else if (deadline.at < next) next = deadline.at;
    }
    if (next < Infinity) this.arm(next);
    // Earliest first (the timer may fire late, with several due). A callback may add or remove deadlines:
    // one removed by an earlier callback here does not run.
    due.sort((a, b) => a.at - b.at);
    for (const deadline of due) if (this.pending.delete(deadline)) deadline.run();
  }
}
