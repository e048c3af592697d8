#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import('../dist/bin/tenantry.js').catch((e) => {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/bin/tenantry.js')) {
    console.error('tenantry is not built yet: run `npm ci` (or `npm run build`) first.');
    process.exit(1);
  }
  throw e;
});
