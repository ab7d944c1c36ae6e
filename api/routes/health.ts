import { Router } from 'express';

export type ReadinessCheck = () => Promise<void>;

const CHECK_TIMEOUT_MS = 3000;

async function runCheck(check: ReadinessCheck): Promise<{ ok: boolean; ms: number; err?: unknown }> {
  const started = Date.now();
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS).unref()),
    ]);
    return { ok: true, ms: Date.now() - started };
  } catch (err) {
    return { ok: false, ms: Date.now() - started, err };
  }
}

/** /healthz: the process answers. /readyz: every dependency (database, Temporal) answers too. */
export function healthRoutes(checks: Record<string, ReadinessCheck>): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // The answer says only whether each dependency answered and how fast; why one did not
  // (addresses, user names in driver errors) goes to the log, not to this unauthenticated probe.
  router.get('/readyz', async (req, res) => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((n) => runCheck(checks[n] as ReadinessCheck)));
    results.forEach((r, i) => {
      if (!r.ok) req.log.warn({ check: names[i], err: r.err }, 'readiness check failed');
    });
    const report = Object.fromEntries(names.map((n, i) => [n, { ok: results[i]?.ok ?? false, ms: results[i]?.ms ?? 0 }]));
    const ready = results.every((r) => r.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', checks: report });
  });
  return router;
}
