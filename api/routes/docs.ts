import path from 'node:path';
import express, { Router } from 'express';

const assets = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** Browsable API docs at /api/docs (Swagger UI from the swagger-ui-dist package, served locally). */
export function docsRoutes(specUrl: string): Router {
  const router = Router();
  router.use('/api/docs/assets', express.static(assets, { index: false }));
  router.get('/api/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(`window.ui = SwaggerUIBundle({ url: ${JSON.stringify(specUrl)}, dom_id: '#swagger-ui' });`);
  });
  router.get('/api/docs', (_req, res) => {
    res.type('html').send(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>API 文档</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`);
  });
  return router;
}
