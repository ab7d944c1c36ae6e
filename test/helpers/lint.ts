import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../platform/config';

/**
 * The rule ids ESLint reports for `code` as if it were `file` of this project. ESLint's flat config is ESM, so
 * the real CLI runs rather than its API inside jest's CommonJS sandbox.
 */
export function lintRules(code: string, file: string): (string | null)[] {
  const res = spawnSync(process.execPath, [path.join(projectRoot, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--stdin', '--stdin-filename', file, '--format', 'json'], {
    cwd: projectRoot,
    input: code,
    encoding: 'utf8',
  });
  const [result] = JSON.parse(res.stdout) as { messages: { ruleId: string | null }[] }[];
  return (result?.messages ?? []).map((m) => m.ruleId);
}
