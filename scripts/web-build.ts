/** `npm run web:build`: builds the web console into web/dist (skipped when it is already fresh). */
import { createLogger } from '../platform/logger';
import { ensureWebBuild } from '../platform/web-build';

const log = createLogger({ name: 'web-build' });
ensureWebBuild(log).then(
  (r) => log.info(r, r.built ? 'web console built' : 'web console build already fresh'),
  (err: unknown) => {
    log.error({ err }, 'web console build failed');
    process.exitCode = 1;
  },
);
