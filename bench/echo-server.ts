// Baseline server for request latency: bare node https with the same TLS setup
// as the tenant API server (its serving cert, client certs requested), which
// reads the JSON body, parses it and answers 201 with it. Whatever the API
// server adds on top of this is its own cost.
// Usage: node dist/bench/echo-server.js PKI_DIR  (prints the port on stdout)

import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: echo-server PKI_DIR');
  process.exit(2);
}
const read = (f: string): Buffer => fs.readFileSync(path.join(dir, f));
const server = https.createServer(
  { key: read('apiserver.key'), cert: read('apiserver.crt'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' },
  (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const obj = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : {};
      const body = JSON.stringify({ ...obj, metadata: { ...(obj.metadata as object), uid: 'echo', resourceVersion: '1' } });
      res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  },
);
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
