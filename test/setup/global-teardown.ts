import { dropRunDatabases } from '../helpers/db';
import { testRun } from './run';

export default async function globalTeardown(): Promise<void> {
  await dropRunDatabases(testRun());
  const teardown = (globalThis as Record<string, unknown>).__coordTestTeardown as (() => Promise<void>) | undefined;
  if (teardown) await teardown();
}
