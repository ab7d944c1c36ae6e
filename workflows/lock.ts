/**
 * One holder at a time, served in arrival order: the mutex of Temporal's
 * safe-message-handlers sample, in a few lines of plain promises, which are
 * deterministic inside the workflow sandbox. Not reentrant: code that holds
 * the lock must not ask for it again.
 */
export class Lock {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.tail;
    let release: () => void = () => undefined;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await before;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
