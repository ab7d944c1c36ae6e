/**
 * Failed sign-ins per (address, username) within a window: past the limit,
 * further attempts are refused (429) until the window has passed, so a
 * password cannot be guessed at speed. In memory: per API process.
 */
export function createLoginLimiter(opts: { maxFailures: number; windowMs: number }) {
  const failures = new Map<string, number[]>();
  const recent = (key: string, now: number) => (failures.get(key) ?? []).filter((t) => now - t < opts.windowMs);
  return {
    /** Seconds to wait, when the key is over its limit. */
    blockedFor(key: string, now = Date.now()): number | undefined {
      const times = recent(key, now);
      failures.set(key, times);
      if (times.length < opts.maxFailures) return undefined;
      return Math.ceil((opts.windowMs - (now - (times[0] as number))) / 1000);
    },
    fail(key: string, now = Date.now()): void {
      failures.set(key, [...recent(key, now), now]);
    },
    succeed(key: string): void {
      failures.delete(key);
    },
  };
}
