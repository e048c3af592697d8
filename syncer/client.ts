// A small JSON client for one cluster, authenticated through client-node's
// KubeConfig (certificates, tokens, exec plugins). Why not the typed APIs or
// KubernetesObjectApi for reads and writes: their serializer maps objects onto
// the models compiled into the library, turning timestamps into Date objects
// and dropping fields it does not know. A syncer must copy objects faithfully,
// including fields newer than the library, so it keeps the wire JSON as is.
// Informers use client-node's ListWatch with this client's list (engine/informer.ts).

import https from 'node:https';
import http from 'node:http';
import tls from 'node:tls';
import type { KubeConfig } from '@kubernetes/client-node';
import { apiVersionOf, type KubeObject, type Obj, type ResourceRef } from './types.js';

/** A failed API call, carrying the server's Status. */
export class KubeError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly status?: Obj,
  ) {
    super(message);
    this.name = 'KubeError';
  }
}

export function isKubeError(e: unknown, code?: number): e is KubeError {
  return e instanceof KubeError && (code === undefined || e.code === code);
}

export interface ListResult {
  metadata: { resourceVersion?: string };
  items: KubeObject[];
}

export interface DeleteOpts {
  uid?: string;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
}

/** The REST operations the syncer needs, on plain JSON. */
export interface KubeClient {
  /** A short name for logs ("super", a tenant's name). */
  readonly name: string;
  readonly kubeConfig: KubeConfig;
  get(ref: ResourceRef, namespace: string, name: string): Promise<KubeObject | undefined>;
  /** `versionOnly`: just the list's resourceVersion (no items), to watch from now on. */
  list(ref: ResourceRef, opts?: { namespace?: string; labelSelector?: string; versionOnly?: boolean }): Promise<ListResult>;
  create(ref: ResourceRef, namespace: string, obj: KubeObject): Promise<KubeObject>;
  update(ref: ResourceRef, namespace: string, obj: KubeObject, subresource?: string): Promise<KubeObject>;
  /** POST to a subresource (pods/binding). */
  post(ref: ResourceRef, namespace: string, name: string, subresource: string, body: KubeObject): Promise<KubeObject>;
  /** Resolves false when the object was already gone. */
  delete(ref: ResourceRef, namespace: string, name: string, opts?: DeleteOpts): Promise<boolean>;
  close(): void;
}

/** /api/v1/namespaces/ns/pods[/name[/sub]] */
export function resourcePath(ref: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  let p = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  if (ref.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${ref.plural}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

const PAGE = 500;

export async function createKubeClient(name: string, kc: KubeConfig, opts: { timeoutMs?: number } = {}): Promise<KubeClient> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`${name}: kubeconfig has no current cluster`);
  const base = new URL(cluster.server);
  const secure = base.protocol === 'https:';
  // TLS material once, for a keep-alive agent; credentials per request (tokens may rotate).
  const tlsOpts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(tlsOpts);
  // One TLS context for every connection of this client: given ca/cert/key, tls.connect builds a
  // fresh context per connection, parsing the key and CA again (a visible share of the syncer's
  // CPU whenever bursts open new connections, at a syncer start above all).
  const secureContext = secure ? tls.createSecureContext({ ca: tlsOpts.ca, cert: tlsOpts.cert, key: tlsOpts.key }) : undefined;
  const tlsAgentOpts: https.AgentOptions = { secureContext, rejectUnauthorized: tlsOpts.rejectUnauthorized, servername: tlsOpts.servername, keepAlive: true };
  // Watches hold their sockets for as long as they run (about 13 on the super cluster's client, 9 on a tenant's):
  // the cap leaves room for requests beside them.
  const agent = secure ? new https.Agent({ ...tlsAgentOpts, maxSockets: 64 }) : new http.Agent({ keepAlive: true, maxSockets: 64 });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const prefix = base.pathname.replace(/\/$/, '');

  // Credentials that cannot change (client certificates, a token or password written in the
  // kubeconfig) are turned into headers once: re-deriving them per request re-decoded the whole
  // kubeconfig user each time, a measurable share of the syncer's CPU at 10,000 pods.
  const user = kc.getCurrentUser();
  // exec plugins and auth providers (in-cluster config reads a rotating token file through one) stay per request.
  const staticAuth = !user || (!user.exec && !user.authProvider);
  const authHeaders = async (): Promise<Record<string, string>> => {
    const ro: https.RequestOptions = { headers: {} };
    await kc.applyToHTTPSOptions(ro);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(ro.headers ?? {})) if (typeof v === 'string') headers[k] = v;
    if (ro.auth) headers.Authorization = `Basic ${Buffer.from(ro.auth).toString('base64')}`;
    return headers;
  };
  const fixedAuth = staticAuth ? await authHeaders() : undefined;

  async function request(method: string, path: string, body?: unknown): Promise<{ code: number; json: unknown }> {
    const headers: Record<string, string> = { Accept: 'application/json', ...(fixedAuth ?? (await authHeaders())) };
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const url = new URL(prefix + path, base);
    const mod = secure ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(url, { method, agent, headers, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ code: res.statusCode ?? 0, json });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async function call(method: string, path: string, body?: unknown): Promise<KubeObject> {
    const r = await request(method, path, body);
    if (r.code >= 200 && r.code < 300) return (r.json ?? {}) as KubeObject;
    const st = (r.json && typeof r.json === 'object' ? r.json : {}) as Obj;
    const reason = typeof st.reason === 'string' ? st.reason : '';
    const msg = typeof st.message === 'string' ? st.message : `HTTP ${r.code}`;
    throw new KubeError(r.code, reason, `${name}: ${method} ${path}: ${msg}`, st);
  }

  const withKind = (ref: ResourceRef, obj: KubeObject): KubeObject => ({ ...obj, apiVersion: apiVersionOf(ref), kind: ref.kind });

  // client-node's watches (the informers' ListWatch) ask the KubeConfig for fetch options per
  // watch, and it builds a new https.Agent each time: a fresh TLS context and a full handshake
  // for every one of the ~9 watches per tenant, and again on every watch restart. At 100 tenants
  // that was most of a syncer start. Watches go through this client's own keep-alive agent
  // instead: an informer's watch starts right after its list, on the socket the list just
  // released, so connecting a tenant costs a handful of TLS handshakes, not one per watch and list.
  // Everything else about the KubeConfig is inherited.
  const watchConfig = Object.create(kc) as KubeConfig;
  const fixedFetch = staticAuth ? await kc.applyToFetchOptions({}) : undefined;
  watchConfig.applyToFetchOptions = async (o) => {
    const base = fixedFetch ?? (await kc.applyToFetchOptions(o));
    return { ...base, method: o.method ?? base.method, agent };
  };

  return {
    name,
    kubeConfig: watchConfig,
    async get(ref, namespace, objName) {
      try {
        return await call('GET', resourcePath(ref, namespace, objName));
      } catch (e) {
        if (isKubeError(e, 404)) return undefined;
        throw e;
      }
    },
    async list(ref, o = {}) {
      const items: KubeObject[] = [];
      let cont = '';
      let rv = '';
      for (;;) {
        const q = new URLSearchParams({ limit: String(o.versionOnly ? 1 : PAGE) });
        if (o.labelSelector) q.set('labelSelector', o.labelSelector);
        if (cont) q.set('continue', cont);
        const page = (await call('GET', `${resourcePath(ref, o.namespace)}?${q}`)) as { metadata?: { resourceVersion?: string; continue?: string }; items?: KubeObject[] };
        if (o.versionOnly) return { metadata: { resourceVersion: page.metadata?.resourceVersion }, items: [] };
        // List items carry no kind; fill it in so objects look the same as watch events.
        for (const it of page.items ?? []) items.push(withKind(ref, it));
        rv = page.metadata?.resourceVersion ?? rv;
        cont = page.metadata?.continue ?? '';
        if (!cont) break;
      }
      return { metadata: { resourceVersion: rv }, items };
    },
    create(ref, namespace, obj) {
      return call('POST', resourcePath(ref, namespace), withKind(ref, obj));
    },
    update(ref, namespace, obj, subresource) {
      return call('PUT', resourcePath(ref, namespace, obj.metadata?.name ?? '', subresource), withKind(ref, obj));
    },
    post(ref, namespace, objName, subresource, body) {
      return call('POST', resourcePath(ref, namespace, objName, subresource), body);
    },
    async delete(ref, namespace, objName, o = {}) {
      const body: Obj = { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: o.propagationPolicy ?? 'Background' };
      if (o.uid) body.preconditions = { uid: o.uid };
      if (o.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = o.gracePeriodSeconds;
      try {
        await call('DELETE', resourcePath(ref, namespace, objName), body);
        return true;
      } catch (e) {
        if (isKubeError(e, 404)) return false;
        throw e;
      }
    },
    close() {
      agent.destroy();
    },
  };
}
