// The one place that loads @peculiar/x509: it needs a Reflect metadata
// polyfill evaluated before it (see reflect-polyfill.ts) and a WebCrypto
// provider. Import x509 from here, never from '@peculiar/x509' directly.

import './reflect-polyfill.js';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as ReturnType<typeof x509.cryptoProvider.get>);

export { x509 };
