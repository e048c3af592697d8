// Authentication: TLS client certificates (CN = user, O = groups) verified by
// our CA, and bearer tokens from a static token file in kube-apiserver's
// --token-auth-file CSV format (token,user,uid,"group1,group2").

import fs from 'node:fs';
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../api/types.js';

/**
 * `tls` is the request's connection: the same socket for every request on it, under HTTP/2 too
 * (where `req.socket` is a per-stream proxy), so a client certificate is read once per connection.
 */
export type Authenticator = (req: IncomingMessage, tls: TLSSocket) => UserInfo | undefined | 'invalid';

/** Extra authenticators (service-account tokens later) plug in here. */
export type TokenAuthenticator = (token: string) => UserInfo | undefined;

export function loadTokenFile(file: string): Map<string, UserInfo> {
  const out = new Map<string, UserInfo>();
  const text = fs.readFileSync(file, 'utf8');
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const cols = parseCsvLine(line);
    if (cols.length < 3 || !cols[0] || !cols[1]) throw new Error(`${file}:${i + 1}: expected token,user,uid[,"groups"]`);
    const groups = cols[3] ? cols[3].split(',').map((g) => g.trim()).filter(Boolean) : [];
    out.set(cols[0], { username: cols[1], uid: cols[2], groups });
  }
  return out;
}

function parseCsvLine(line: string): string[] {
  const cols: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cols.push(cur);
      cur = '';
    } else cur += c;
  }
  cols.push(cur);
  return cols;
}

function asArray(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export function withAuthenticatedGroup(u: UserInfo): UserInfo {
  const groups = u.groups.includes('system:authenticated') ? u.groups : [...u.groups, 'system:authenticated'];
  return { ...u, groups };
}

export function createAuthenticator(tokens: Map<string, UserInfo>, extra: TokenAuthenticator[] = []): Authenticator {
  // A connection's certificate never changes: read it once per socket, not per request.
  const bySocket = new WeakMap<TLSSocket, UserInfo | null>();
  return (req, socket) => {
    if (socket.authorized) {
      let user = bySocket.get(socket);
      if (user === undefined) {
        const cert = socket.getPeerCertificate();
        const cn = asArray(cert?.subject?.CN)[0];
        user = cn ? withAuthenticatedGroup({ username: cn, groups: asArray(cert.subject.O) }) : null;
        bySocket.set(socket, user);
      }
      if (user) return user;
    }
    const header = req.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) return 'invalid';
      const token = m[1]!;
      const u = tokens.get(token) ?? extra.map((a) => a(token)).find((x) => x !== undefined);
      return u ? withAuthenticatedGroup(u) : 'invalid';
    }
    return undefined;
  };
}
