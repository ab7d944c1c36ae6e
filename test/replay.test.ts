import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historiesDir } from './helpers/histories';
import { testRun } from './setup/run';

/**
 * Replays the recorded histories under test/histories against today's
 * workflow code. A change that makes the code take a different path for the
 * same history (non-determinism) fails here. Re-record with
 * `npm run histories:record` only when a change is meant to be incompatible,
 * and then version it (patched()) for workflows already running.
 */
describe('replay of recorded workflow histories', () => {
  const files = fs.readdirSync(historiesDir).filter((f) => f.endsWith('.json')).sort();

  test('there are recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  test('every recorded history replays without non-determinism', async () => {
    const histories = files.map((f) => ({
      workflowId: path.basename(f, '.json'),
      // The worker validates the JSON form and converts it (historyFromJSON) itself.
      history: JSON.parse(fs.readFileSync(path.join(historiesDir, f), 'utf8')) as unknown,
    }));
    const results: { workflowId: string; error?: unknown }[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: testRun().bundlePath } }, histories)) {
      results.push({ workflowId: result.workflowId, error: result.error });
    }
    expect(results.map((r) => r.workflowId).sort()).toEqual(histories.map((h) => h.workflowId).sort());
    expect(results.filter((r) => r.error).map((r) => `${r.workflowId}: ${String(r.error)}`)).toEqual([]);
  });
});
