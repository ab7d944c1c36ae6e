/**
 * What a drill runs on: the parts it starts, the faults it knows how to
 * cause, and what those parts logged. The dev-server system (dev-system.ts:
 * a Temporal dev server, one worker, the API in the drill's own process) and
 * the production topology (test/cluster/cluster-system.ts: the Temporal
 * server on PostgreSQL, two workers, two API processes) both implement it.
 */

/** A stretch of time in which one part of the system was down: from the fault to the moment it was back. */
export interface Outage {
  what: 'worker' | 'temporal' | 'postgres' | 'api';
  start: number;
  /** When it was back (restarted and ready); Infinity while it is down. */
  end: number;
}

export interface FaultContext {
  /** Waits, unless the run is aborted (then it throws). */
  sleep(ms: number): Promise<void>;
  /** The faults' own random stream (from the seed). */
  rnd(): number;
  /** Aborted when the run is interrupted. */
  signal: AbortSignal;
}

/** One drill: a fault (or several), after which the run goes on a while and is then checked. */
export interface DrillFault {
  name: string;
  run(ctx: FaultContext): Promise<void>;
}

export interface DrillSystem {
  /** Everything of this run lives under here; removed by close(). */
  readonly root: string;
  readonly outages: Outage[];
  /** Lines its product processes logged at error level or above, and the first few of them. */
  readonly errors: ErrorLines;
  /** Product processes that ended without being killed or stopped: a crash. */
  readonly crashes: string[];
  /** PostgreSQL for the product: answers its URL. */
  startDatabase(): Promise<string>;
  /** Temporal, the workers and any API processes, once the catalog is in the database. */
  startServices(): Promise<void>;
  readonly temporalAddress: string;
  /** The API processes' base URLs; undefined: the drill serves the API in its own process. */
  readonly apiUrls?: string[];
  /** The faults of this system's drills, in order. */
  readonly faults: DrillFault[];
  close(): Promise<void>;
  /** Synchronous last resort (process 'exit'): kills whatever this run started. */
  killLeftovers(): void;
}

/**
 * Counts the lines product processes log at error level or above (pino JSON,
 * or plain text that says error), keeping the first few for the report.
 */
export class ErrorLines {
  count = 0;
  readonly samples: string[] = [];

  take(who: string, line: string): void {
    let level = 30;
    let msg = line;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string }; error?: string };
      level = entry.level ?? 30;
      msg = [entry.msg, entry.err?.message ?? entry.error].filter(Boolean).join(': ');
    } catch {
      level = /error|fatal/i.test(line) ? 50 : 30;
    }
    if (level < 50) return;
    this.count += 1;
    if (this.samples.length < 10) this.samples.push(`${who}: ${msg}`.slice(0, 300));
  }
}
