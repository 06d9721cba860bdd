// Per-token limits, answering with how long to wait. The rate counts tool calls (a token bucket:
// a legitimate client's burst goes through, a sustained flood waits); protocol traffic
// (initialize, lists, notifications, streams) is not counted. Concurrent tool calls are capped too.
export class RateLimiter {
  private buckets = new Map<string, { tokens: number; updated: number }>();
  /** When the buckets were last swept for full ones. */
  private sweptAt = Number.NEGATIVE_INFINITY;

  constructor(
    /** Sustained calls per minute. */
    private readonly perMinute: number,
    /** Calls that may come at once after a quiet time (the bucket's size). */
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes `count` calls from `key`'s bucket, all or none; returns 0, the seconds to wait, or
   * Infinity when `count` is more than a whole burst.
   */
  take(key: string, count = 1): number {
    if (count > this.burst) return Number.POSITIVE_INFINITY;
    const now = this.now();
    this.forgetFullBuckets(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updated: now };
    bucket.tokens = this.refilled(bucket, now);
    bucket.updated = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= count) {
      bucket.tokens -= count;
      return 0;
    }
    return Math.max(1, Math.ceil(((count - bucket.tokens) * 60) / this.perMinute));
  }

  private refilled(bucket: { tokens: number; updated: number }, now: number): number {
    return Math.min(this.burst, bucket.tokens + ((now - bucket.updated) / 60_000) * this.perMinute);
  }

  /**
   * A bucket that has refilled to the burst is the same as no bucket, so it is dropped: keys that
   * come and go (the approval page is limited per remote address) would otherwise each keep one
   * for the life of the process. The sweep runs once per refill time, not on every call.
   */
  private forgetFullBuckets(now: number): void {
    if (now - this.sweptAt < (this.burst * 60_000) / this.perMinute) return;
    this.sweptAt = now;
    for (const [key, bucket] of this.buckets) if (this.refilled(bucket, now) >= this.burst) this.buckets.delete(key);
  }

  /** How many keys have a bucket in memory. */
  get tracked(): number {
    return this.buckets.size;
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
