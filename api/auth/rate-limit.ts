import type { Db } from '../../db/connection';

export interface LoginLimits {
  /** Failed sign-ins for one username from one client address within the window. */
  perUser: number;
  /** Failed sign-ins from one client address, whatever the usernames, within the window. Higher, so a shared address (a proxy, an office NAT) is not shut out by one user's typos. */
  perAddress: number;
  windowMs: number;
}

export const LOGIN_LIMITS: LoginLimits = { perUser: 5, perAddress: 20, windowMs: 15 * 60_000 };

export interface Attempt {
  /** Seconds to wait when over a limit; the attempt was then not counted. */
  blockedFor?: number;
  /** The attempt's row: removed by `succeed`, kept as a failure otherwise. */
  id?: number;
}

/**
 * Failed sign-ins, counted in PostgreSQL (table login_attempts) so every API
 * process shares them. An attempt is recorded before its password is
 * checked, so a burst of parallel guesses cannot all slip under the limit
 * while the first ones are still hashing; a good sign-in then removes its
 * username's rows from its address. Counts use the database's clock, and rows
 * past the window are purged as attempts arrive.
 */
export function createLoginLimiter(db: Db, limits: LoginLimits = LOGIN_LIMITS) {
  const windowSeconds = limits.windowMs / 1000;
  return {
    async begin(username: string, address: string): Promise<Attempt> {
      const [row] = (await db('login_attempts').insert({ username, address }).returning('id')) as { id: number | string }[];
      const id = Number((row as { id: number | string }).id);
      const res = (await db.raw(
        `select count(*) filter (where username = ?) as user_n,
                min(attempted_at) filter (where username = ?) as user_first,
                count(*) as address_n,
                min(attempted_at) as address_first,
                now() as now
           from login_attempts
          where address = ? and attempted_at > now() - make_interval(secs => ?)`,
        [username, username, address, windowSeconds],
      )) as { rows: { user_n: string; user_first: Date | null; address_n: string; address_first: Date | null; now: Date }[] };
      const c = res.rows[0] as (typeof res.rows)[number];
      const waits: number[] = [];
      // The attempt just recorded is among the counted: over the limit means more than `limit` rows.
      const until = (first: Date | null) => Math.max(1, Math.ceil((limits.windowMs - (c.now.getTime() - (first ?? c.now).getTime())) / 1000));
      if (Number(c.user_n) > limits.perUser) waits.push(until(c.user_first));
      if (Number(c.address_n) > limits.perAddress) waits.push(until(c.address_first));
      if (waits.length) {
        // A refused attempt is not a failure: it does not push the window on.
        await db('login_attempts').where({ id }).delete();
        return { blockedFor: Math.max(...waits) };
      }
      return { id };
    },
    /** The attempt failed: its row stays, and rows past the window go. */
    async fail(): Promise<void> {
      await db('login_attempts').where('attempted_at', '<', db.raw('now() - make_interval(secs => ?)', [windowSeconds])).delete();
    },
    /** A good sign-in clears this username's failures from this address (not the address's others). */
    async succeed(username: string, address: string): Promise<void> {
      await db('login_attempts').where({ username, address }).delete();
    },
  };
}
