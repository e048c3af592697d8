#!/usr/bin/env node
// The CLI is bundled into dist/cli/ (built by `npm ci` through the prepare
// script). start-mode.js runs first: it sets process-wide V8 flags for the
// command before any other module is loaded.
import('../dist/cli/start-mode.js')
  .then(() => import('../dist/cli/tenantry.js'))
  .catch((e) => {
    if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/cli/')) {
      console.error('tenantry is not built yet: run `npm ci` (or `npm run build`) first.');
      process.exit(1);
    }
    throw e;
  });
