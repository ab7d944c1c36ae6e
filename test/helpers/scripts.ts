import { spawnSync } from 'node:child_process';
import { projectRoot } from '../../platform/config';

/** Runs one of the project's commands (scripts/<name>.ts) as `npm run` would, against the given database. */
export function runScript(name: string, args: string[], databaseUrl: string, input?: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', `scripts/${name}.ts`, ...args], {
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_PRETTY: 'false', LOG_LEVEL: 'info' },
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
}
