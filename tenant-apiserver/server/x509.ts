// The one place that loads @peculiar/x509: it needs a Reflect metadata
// polyfill evaluated before it (see reflect-polyfill.ts) and a WebCrypto
// provider. Import x509 from here, never from '@peculiar/x509' directly.
//
// It is required in the body, after the polyfill's import, not imported: the
// CLI bundle (hack/bundle-cli.mjs) inlines the polyfill but leaves packages
// as imports, which run before any inlined code — the order would be lost.

import './reflect-polyfill.js';
import { webcrypto } from 'node:crypto';
import { createRequire } from 'node:module';

const x509 = createRequire(import.meta.url)('@peculiar/x509') as typeof import('@peculiar/x509');

x509.cryptoProvider.set(webcrypto as ReturnType<typeof x509.cryptoProvider.get>);

export { x509 };
