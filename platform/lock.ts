import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from './logger';
import { processAlive } from './processes';

/**
 * Runs `fn` holding a lock directory, so that two processes (two clones, two
 * test files) never build the same thing at once; the second waits. A lock
 * whose holder died is taken over.
 */
export async function withLock<T>(lockDir: string, what: string, log: Logger, fn: () => Promise<T>): Promise<T> {
  await acquireLock(lockDir, what, log);
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

async function acquireLock(lockDir: string, what: string, log: Logger): Promise<void> {
  const pidFile = path.join(lockDir, 'pid');
  for (let waited = 0; ; waited += 1) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(pidFile, String(process.pid));
      return;
    } catch {
      const holder = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : 0);
      if (!holder || !processAlive(holder)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (waited % 15 === 0) log.info({ holderPid: holder }, `another process is building ${what}; waiting`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}
