import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { projectRoot } from '../../platform/config';

export const historiesDir = path.join(projectRoot, 'test', 'histories');

/**
 * With RECORD_HISTORIES=1 (`npm run histories:record`), saves a workflow's
 * history for the replay test, under a name not recorded before. The committed files are what CI replays, so a
 * change to workflow code that breaks determinism fails the build.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  // Items already running replay these: a recorded history is kept, never re-recorded away. A new one takes a new name.
  if (fs.existsSync(path.join(historiesDir, `${name}.json`))) return;
  const history = await handle.fetchHistory();
  // A run that has only just continued as new holds nothing worth replaying.
  if ((history.events?.length ?? 0) < 5) throw new Error(`history of ${name} has only ${history.events?.length ?? 0} events`);
  fs.mkdirSync(historiesDir, { recursive: true });
  // The proto3 JSON form, as the Temporal CLI and Web UI export it.
  fs.writeFileSync(path.join(historiesDir, `${name}.json`), `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 1)}\n`);
}
