/** What global setup hands to every test file, through the environment. */
export interface TestRun {
  runId: string;
  temporalAddress: string;
  adminUrl: string;
  bundlePath: string;
  runDir: string;
}

export function testRun(): TestRun {
  const raw = process.env.COORD_TEST_RUN;
  if (!raw) throw new Error('COORD_TEST_RUN is not set: run the tests through jest (npm test), whose global setup starts Temporal');
  return JSON.parse(raw) as TestRun;
}
