import type { Logger } from './logger';

export interface Shutdown {
  /** A step to undo at the end; steps are undone in reverse order of registration. */
  add(name: string, stop: () => Promise<void>): void;
  /** Undoes every step once (a second call waits for the first), then exits with `code`. */
  run(reason: string, code: number): Promise<void>;
}

/**
 * The orderly end of a long-running command (`npm start`, `npm run cluster`):
 * what was started last stops first, a failing step does not keep the others
 * from stopping, and Ctrl-C or SIGTERM start it.
 */
export function orderlyShutdown(log: Logger, words: { stopping: string; stopped: string }): Shutdown {
  const steps: { name: string; stop: () => Promise<void> }[] = [];
  let stopping: Promise<void> | undefined;
  const run = (reason: string, code: number) => {
    stopping ??= (async () => {
      log.info({ reason }, words.stopping);
      for (const step of steps.reverse()) {
        try {
          await step.stop();
          log.debug({ step: step.name }, 'stopped');
        } catch (err) {
          log.warn({ err, step: step.name }, 'error while stopping');
        }
      }
      log.info(words.stopped);
      log.flush();
      process.exit(code);
    })();
    return stopping;
  };
  process.on('SIGINT', () => void run('SIGINT', 0));
  process.on('SIGTERM', () => void run('SIGTERM', 0));
  return { add: (name, stop) => steps.push({ name, stop }), run };
}
