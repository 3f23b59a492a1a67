/**
 * Calls `flush` at most once per `intervalMs`: a request within the interval is served at its
 * end (never dropped), so the last change always goes out, at most `intervalMs` late.
 */
export class Throttle {
  private last = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly flush: () => void,
  ) {}

  request(): void {
    if (this.timer !== null) return;
    const wait = this.last + this.intervalMs - Date.now();
    if (wait <= 0) {
      this.fire();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fire();
    }, wait);
    // A pending update must not keep the process alive once the sweep is done.
    this.timer.unref();
  }

  /** Drops a pending call (the caller sends the final state itself). */
  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private fire(): void {
    this.last = Date.now();
    this.flush();
  }
}
