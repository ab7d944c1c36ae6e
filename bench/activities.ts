import type { Db } from '../db/connection';

/** The bare timer's row: when the timer was due, and when its activity's insert ran (the database's clock). */
export const BENCH_TIMER_TABLE = 'bench_timer_fired';

export async function createBenchTables(db: Db): Promise<void> {
  await db.raw(`create table if not exists ${BENCH_TIMER_TABLE} (
    key text primary key,
    due_at timestamptz not null,
    fired_at timestamptz not null default now(),
    attempts int not null default 1
  )`);
}

/** The bare baselines' one activity: a keyed insert, counting repeats rather than writing twice. */
export function createBenchActivities(db: Db) {
  return {
    async benchTimerFired(input: { key: string; dueAt: number }): Promise<void> {
      await db.raw(
        `insert into ${BENCH_TIMER_TABLE} (key, due_at) values (?, ?)
         on conflict (key) do update set attempts = ${BENCH_TIMER_TABLE}.attempts + 1`,
        [input.key, new Date(input.dueAt)],
      );
    },
  };
}

export type BenchActivities = ReturnType<typeof createBenchActivities>;
