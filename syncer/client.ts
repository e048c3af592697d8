// A small JSON client for one cluster: reads, writes, paged lists and watch
// streams on one keep-alive connection pool. Why not client-node's typed APIs
// or KubernetesObjectApi: their serializer maps objects onto the models
// compiled into the library, turning timestamps into Date objects and dropping
// fields it does not know. A syncer must copy objects faithfully, including
// fields newer than the library, so it keeps the wire JSON as is.
// Credentials come from kubeconfig.ts.

import tls from 'node:tls';
import type { ClusterAccess } from './kubeconfig.js';
import { createTransport } from './transport.js';
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
  get(ref: ResourceRef, namespace: string, name: string): Promise<KubeObject | undefined>;
  /** `versionOnly`: just the list's resourceVersion (no items), to watch from now on. */
  list(ref: ResourceRef, opts?: { namespace?: string; labelSelector?: string; versionOnly?: boolean }): Promise<ListResult>;
  create(ref: ResourceRef, namespace: string, obj: KubeObject): Promise<KubeObject>;
  update(ref: ResourceRef, namespace: string, obj: KubeObject, subresource?: string): Promise<KubeObject>;
  /** POST to a subresource (pods/binding). */
  post(ref: ResourceRef, namespace: string, name: string, subresource: string, body: KubeObject): Promise<KubeObject>;
  /** Resolves false when the object was already gone. */
  delete(ref: ResourceRef, namespace: string, name: string, opts?: DeleteOpts): Promise<boolean>;
  /** Opens a watch stream (see WatchOpts); events arrive in order until the stream ends. */
  watch(ref: ResourceRef, opts: WatchOpts, onEvent: (e: WatchEvent) => void): WatchStream;
  close(): void;
}

export interface WatchOpts {
  resourceVersion: string;
  labelSelector?: string;
  /** The server ends the stream after this long (client-go picks 5–10 minutes at random). */
  timeoutSeconds?: number;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject;
}

export interface WatchStream {
  /** Resolves when the server ends the stream; rejects on a refused watch (a KubeError: 410 when too old) or a broken connection. */
  done: Promise<void>;
  stop(): void;
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

/** The error a non-2xx answer stands for, from its Status body when it has one. */
function kubeErrorOf(what: string, code: number, json: unknown): KubeError {
  const st = (json && typeof json === 'object' ? json : {}) as Obj;
  const reason = typeof st.reason === 'string' ? st.reason : '';
  const msg = typeof st.message === 'string' ? st.message : `HTTP ${code}`;
  return new KubeError(code, reason, `${what}: ${msg}`, st);
}

/** A body's JSON, or undefined when it is empty or not JSON (an error page from a proxy). */
function jsonOf(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export async function createKubeClient(name: string, access: ClusterAccess, opts: { timeoutMs?: number; http2?: boolean } = {}): Promise<KubeClient> {
  const base = new URL(access.server);
  const secure = base.protocol === 'https:';
  // One TLS context for every connection of this client: given ca/cert/key, tls.connect builds a
  // fresh context per connection, parsing the key and CA again (a visible share of the syncer's
  // CPU whenever bursts open new connections, at a syncer start above all).
  const secureContext = secure ? tls.createSecureContext({ ca: access.tls.ca, cert: access.tls.cert, key: access.tls.key }) : undefined;
  const transport = createTransport(base, { secureContext, rejectUnauthorized: access.tls.rejectUnauthorized, servername: access.tls.servername, http2: opts.http2 });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const prefix = base.pathname.replace(/\/$/, '');
  const fixedAuth = access.fixedHeaders;
  const headersFor = async (): Promise<Record<string, string>> => ({ Accept: 'application/json', ...(fixedAuth ?? (await access.headers())) });

  async function request(method: string, path: string, body?: unknown): Promise<{ code: number; json: unknown }> {
    const headers = await headersFor();
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const r = await transport.send({ method, path: prefix + path, headers, body: payload, timeoutMs });
    return { code: r.code, json: jsonOf(r.body) };
  }

  async function call(method: string, path: string, body?: unknown): Promise<KubeObject> {
    const r = await request(method, path, body);
    if (r.code >= 200 && r.code < 300) return (r.json ?? {}) as KubeObject;
    throw kubeErrorOf(`${name}: ${method} ${path}`, r.code, r.json);
  }

  const withKind = (ref: ResourceRef, obj: KubeObject): KubeObject => ({ ...obj, apiVersion: apiVersionOf(ref), kind: ref.kind });

  function watch(ref: ResourceRef, o: WatchOpts, onEvent: (e: WatchEvent) => void): WatchStream {
    const q = new URLSearchParams({ watch: '1', allowWatchBookmarks: 'true', resourceVersion: o.resourceVersion });
    if (o.labelSelector) q.set('labelSelector', o.labelSelector);
    if (o.timeoutSeconds) q.set('timeoutSeconds', String(o.timeoutSeconds));
    const path = `${prefix}${resourcePath(ref)}?${q}`;
    const what = `${name}: watch ${resourcePath(ref)}`;
    let stream: { cancel(): void } | undefined;
    let stopped = false;
    let guard: NodeJS.Timeout | undefined;
    let settle = () => {};
    const done = new Promise<void>((resolve, reject) => {
      settle = resolve;
      headersFor().then((headers) => {
        if (stopped) return resolve();
        let code = 0;
        const errorBody: Buffer[] = [];
        // Newline-delimited JSON; a line may span chunks (bytes: a character may too).
        let rest = Buffer.alloc(0);
        const end = (e?: Error) => {
          clearTimeout(guard);
          if (stopped) resolve();
          else if (e) reject(e);
          else if (code !== 200) reject(kubeErrorOf(what, code, jsonOf(Buffer.concat(errorBody))));
          else resolve();
        };
        stream = transport.open(
          { method: 'GET', path, headers },
          {
            head: (c) => (code = c),
            data: (chunk) => {
              if (code !== 200) {
                errorBody.push(chunk);
                return;
              }
              let buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
              let nl: number;
              while (!stopped && (nl = buf.indexOf(10)) >= 0) {
                const line = buf.subarray(0, nl);
                buf = buf.subarray(nl + 1);
                if (line.length === 0) continue;
                let e: WatchEvent;
                try {
                  e = JSON.parse(line.toString('utf8')) as WatchEvent;
                } catch {
                  stream?.cancel();
                  end(new Error(`${what}: undecodable event`));
                  return;
                }
                onEvent(e);
              }
              rest = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
            },
            end: () => end(),
            error: (e) => end(e),
          },
        );
        // The server ends the stream at timeoutSeconds; one still open well after that sits on a
        // connection that died without a word (no FIN, no RST): give up on it and resume.
        if (o.timeoutSeconds) {
          guard = setTimeout(() => {
            stream?.cancel();
            end(new Error(`${what}: no end ${o.timeoutSeconds} s + 30 s after it opened`));
          }, (o.timeoutSeconds + 30) * 1000);
          guard.unref();
        }
      }, reject);
    });
    return {
      done,
      stop() {
        stopped = true;
        clearTimeout(guard);
        stream?.cancel();
        settle();
      },
    };
  }

  return {
    name,
    watch,
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
      transport.close();
    },
  };
}
