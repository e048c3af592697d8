// How the syncer reaches one cluster: the server, TLS material and credentials
// of a kubeconfig's current context.
//
// Why not client-node's KubeConfig for everything: importing it loads the whole
// generated API client (about 80 MB of RSS and 0.7 s of start-up on this
// machine's class of hardware), which a syncer that only needs a URL, a CA and
// a client certificate pays once per process and then never uses. The common
// kubeconfig forms — certificates and keys (inline or files), a bearer token
// (inline or a rotating token file), basic auth, a CA or
// insecure-skip-tls-verify, tls-server-name — are read here. Anything else
// (exec plugins, auth providers) goes to client-node, loaded only then, so
// those kubeconfigs work as kubectl's do.

import fs from 'node:fs';
import path from 'node:path';
import type https from 'node:https';
import jsyaml from 'js-yaml';

export interface ClusterAccess {
  /** The API server's base URL (may carry a path prefix). */
  server: string;
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean; servername?: string };
  /** Authorization headers for one request (tokens may rotate: asked per request unless `fixedHeaders`). */
  headers(): Promise<Record<string, string>>;
  /** Credentials that never change, turned into headers once. */
  fixedHeaders?: Record<string, string>;
}

type Named<T> = { name?: string } & T;
interface RawCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
}
interface RawUser {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
  impersonate?: unknown;
  as?: unknown;
}
interface RawConfig {
  'current-context'?: string;
  contexts?: Named<{ context?: { cluster?: string; user?: string } }>[];
  clusters?: Named<{ cluster?: RawCluster }>[];
  users?: Named<{ user?: RawUser }>[];
}

/** A token file is re-read at most this often (client-go re-reads projected tokens about once a minute). */
const TOKEN_FILE_TTL_MS = 60_000;

/** Loads a kubeconfig file's current context; `server` overrides its cluster's address (tests). */
export async function loadClusterAccess(file: string, opts: { server?: string } = {}): Promise<ClusterAccess> {
  const text = fs.readFileSync(file, 'utf8');
  // js-yaml, not the yaml package the API server uses for its bodies: a syncer reads one kubeconfig per
  // tenant at every start, and js-yaml parses one in ~0.2 ms against ~0.8 ms (1.6 ms cold), which at
  // 100 tenants was ~0.15 s of a restart. CORE_SCHEMA: YAML 1.2's types, as kubectl's parser reads them.
  let cfg: RawConfig;
  try {
    cfg = (jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA, filename: file }) ?? {}) as RawConfig;
  } catch (e) {
    throw new Error(`${file}: not a valid kubeconfig: ${(e as Error).message}`);
  }
  if (typeof cfg !== 'object' || Array.isArray(cfg)) throw new Error(`${file}: not a valid kubeconfig: not a mapping`);
  const dir = path.dirname(path.resolve(file));
  const ctxName = cfg['current-context'];
  const ctx = cfg.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`${file}: no current context${ctxName ? ` (${ctxName} is not defined)` : ''}`);
  const cluster = cfg.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster?.server) throw new Error(`${file}: context ${ctxName} names no cluster with a server`);
  const user = cfg.users?.find((u) => u.name === ctx.user)?.user ?? {};
  // The syncer dials the server itself (one connection pool per cluster): a proxy would be bypassed, not used.
  if (cluster['proxy-url']) throw new Error(`${file}: proxy-url is not supported by the syncer; give it a kubeconfig that reaches the API server directly`);
  if (user.exec || user['auth-provider'] || user.impersonate || user.as) return viaClientNode(file, opts);

  const bytes = (data: string | undefined, ref: string | undefined): Buffer | undefined => {
    if (data) return Buffer.from(data, 'base64');
    if (ref) return fs.readFileSync(path.resolve(dir, ref));
    return undefined;
  };
  const tls: ClusterAccess['tls'] = {
    ca: bytes(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: bytes(user['client-certificate-data'], user['client-certificate']),
    key: bytes(user['client-key-data'], user['client-key']),
    rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
    servername: cluster['tls-server-name'],
  };
  const server = opts.server ?? cluster.server;
  if (user.token) {
    const fixed = { Authorization: `Bearer ${user.token}` };
    return { server, tls, fixedHeaders: fixed, headers: async () => fixed };
  }
  if (user.tokenFile) {
    const tokenPath = path.resolve(dir, user.tokenFile);
    let cached = '';
    let readAt = 0;
    return {
      server,
      tls,
      async headers() {
        if (!cached || Date.now() - readAt > TOKEN_FILE_TTL_MS) {
          cached = (await fs.promises.readFile(tokenPath, 'utf8')).trim();
          readAt = Date.now();
        }
        return { Authorization: `Bearer ${cached}` };
      },
    };
  }
  const fixed: Record<string, string> = user.username !== undefined ? { Authorization: `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}` } : {};
  return { server, tls, fixedHeaders: fixed, headers: async () => fixed };
}

/** Exec plugins, auth providers, impersonation: client-node's KubeConfig, asked per request. */
async function viaClientNode(file: string, opts: { server?: string }): Promise<ClusterAccess> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  if (opts.server) kc.clusters = kc.clusters.map((c) => ({ ...c, server: opts.server! }));
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`${file}: kubeconfig has no current cluster`);
  const base: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(base);
  const buf = (v: unknown): Buffer | undefined => (v === undefined ? undefined : Buffer.isBuffer(v) ? v : Buffer.from(String(v)));
  return {
    server: cluster.server,
    tls: { ca: buf(base.ca), cert: buf(base.cert), key: buf(base.key), rejectUnauthorized: base.rejectUnauthorized !== false, servername: base.servername },
    async headers() {
      const ro: https.RequestOptions = { headers: {} };
      await kc.applyToHTTPSOptions(ro);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(ro.headers ?? {})) if (typeof v === 'string') headers[k] = v;
      if (ro.auth) headers.Authorization = `Basic ${Buffer.from(ro.auth).toString('base64')}`;
      return headers;
    },
  };
}
