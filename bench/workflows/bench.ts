/**
 * The bare baselines' workflows: what Temporal costs with no product code in
 * the way. Deterministic workflow code: imports only @temporalio/workflow and
 * types.
 */
import { condition, defineQuery, defineSignal, defineUpdate, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { BenchActivities } from '../activities';

const acts = proxyActivities<BenchActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Starts and completes: one workflow task, nothing else. */
export async function benchNoop(): Promise<void> {}

/** Answers an update with its argument: one round trip through a workflow task. */
export const echoUpdate = defineUpdate<number, [number]>('echo');
export const echoQuery = defineQuery<number>('last');
export const stopSignal = defineSignal('stop');

export async function benchEcho(): Promise<void> {
  let last = 0;
  let stop = false;
  setHandler(echoUpdate, (n) => {
    last = n;
    return n;
  });
  setHandler(echoQuery, () => last);
  setHandler(stopSignal, () => {
    stop = true;
  });
  await condition(() => stop);
}

export interface BenchTimerInput {
  key: string;
  /** Epoch ms at which the timer falls due. */
  dueAt: number;
}

/** Sleeps until an instant, then an activity writes a row stamped with the database's now(). */
export async function benchTimer(input: BenchTimerInput): Promise<void> {
  const wait = input.dueAt - Date.now();
  if (wait > 0) await sleep(wait);
  await acts.benchTimerFired(input);
}
