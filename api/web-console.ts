import path from 'node:path';
import express, { Router } from 'express';

export interface WebConsole {
  /** The console's production build (web/dist). */
  dist: string;
  /** The Temporal Web UI, for operators' links to an item's workflow; absent where there is none. */
  temporalUiUrl?: string;
  namespace: string;
}

/** Paths that belong to the API and the probes, never to the console's client-side routes. */
const NOT_CONSOLE = /^\/(api|healthz|readyz|metrics)(\/|$)/;

/**
 * The web console at `/`: the built files, `/console.json` (what the console
 * needs to know of this deployment), and index.html for every other GET, so
 * the console's own routes (/board, /items/...) load on a refresh too.
 */
export function webConsole(web: WebConsole): Router {
  const router = Router();
  router.get('/console.json', (_req, res) => {
    res.json({ temporalUiUrl: web.temporalUiUrl ?? null, namespace: web.namespace });
  });
  router.use('/assets', express.static(path.join(web.dist, 'assets'), { index: false, immutable: true, maxAge: '365d' }));
  router.use(express.static(web.dist, { index: false }));
  router.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_CONSOLE.test(req.path)) return next();
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(path.join(web.dist, 'index.html'));
  });
  return router;
}
