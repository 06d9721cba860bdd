// Per-token request rate (token bucket) and concurrent tool calls, answering with how long to wait.
export class RateLimiter {
  private buckets = new Map<string, { tokens: number; updated: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one request from `key`'s bucket; returns 0, or the seconds to wait. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, updated: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + ((now - bucket.updated) / 60_000) * this.perMinute);
    bucket.updated = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * 60) / this.perMinute));
  }
}

export class ConcurrencyLimiter {
  private running = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** A release function, or undefined when `key` is at its limit. */
  acquire(key: string): (() => void) | undefined {
    const current = this.running.get(key) ?? 0;
    if (current >= this.max) return undefined;
    this.running.set(key, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running.set(key, (this.running.get(key) ?? 1) - 1);
    };
  }
}
