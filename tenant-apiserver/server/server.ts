// The HTTPS front: authentication, in-flight limits, routing between
// non-resource endpoints (health, version, metrics, discovery, OpenAPI) and the
// resource handlers, request logging and metrics, Status errors. The listener
// (HTTP/2 and HTTP/1.1 on one port) is in transport.ts.

import type { Http2SecureServer } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ApiError, tooManyRequests, unauthorized } from '../api/errors.js';
import type { Registry } from '../api/registry.js';
import type { ResourceStore } from '../api/store.js';
import type { Strategy } from '../api/strategy.js';
import type { ResourceInfo } from '../api/registry.js';
import type { UserInfo } from '../api/types.js';
import type { SchemaIndex } from '../api/openapi/schema-check.js';
import { forbiddenMessage, type Attributes, type Decision } from '../auth/rbac.js';
import type { Authenticator } from './auth.js';
import { BodyDecoder } from './decode.js';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.js';
import type { ServerMetrics } from './metrics.js';
import { acceptHas } from './negotiate.js';
import { parseRequestInfo } from './request-info.js';
import { handleResource, type ResourceContext, type ResourceDeps } from './resources.js';
import { send, sendError, sendRaw } from './respond.js';
import { createListener, type Exchange } from './transport.js';
import { serveWatch } from './watch.js';

export interface OpenApiServing {
  /** `protobuf()`: the gnostic wire form, built lazily (kubectl <= 1.27 asks only for it). */
  v2(): Promise<{ body: string; etag: string; protobuf?(): Buffer } | undefined>;
  v3Index(): Promise<object>;
  v3(gvPath: string): Promise<{ body: string; etag: string } | undefined>;
}

export interface ApiServerDeps {
  registry: Registry;
  store: ResourceStore;
  strategyFor(info: ResourceInfo): Strategy;
  decoder: BodyDecoder;
  schemaIndex(): SchemaIndex;
  authenticate: Authenticator;
  /** Authorization (RBAC); absent: every authenticated user may do everything. */
  authorize?(a: Attributes): Decision;
  /** Create handlers for the review APIs. */
  virtual?: ResourceDeps['virtual'];
  subresourceCreate?: ResourceDeps['subresourceCreate'];
  metrics: ServerMetrics;
  log: Logger;
  openapi: OpenApiServing;
  version: { major: string; minor: string; gitVersion: string };
  tls: { key: string; cert: string; ca: string };
  bookmarkIntervalSeconds?: number;
  /** Unread bytes at which a watcher is cut off (server/watch.ts). */
  maxWatchBacklogBytes?: number;
  maxReadOnlyInflight?: number;
  maxMutatingInflight?: number;
  /** Checks that must pass for /readyz (e.g. storage open, bootstrap done). */
  ready(): boolean;
  /** Extra non-resource handlers (OIDC discovery, …): return true when handled. */
  extraRoutes?: ((req: IncomingMessage, res: ServerResponse, path: string) => boolean | Promise<boolean>)[];
}

/** Paths anyone may read without credentials, as kube's system:public-info-viewer allows. */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

function authorizeOrThrow(authorize: (a: Attributes) => Decision, user: UserInfo, ri: ReturnType<typeof parseRequestInfo>, path: string, method: string): void {
  const a: Attributes = ri.isResourceRequest
    ? {
        user,
        verb: ri.verb,
        isResourceRequest: true,
        apiGroup: ri.group,
        resource: ri.resource,
        subresource: ri.subresource || undefined,
        // A namespace's own namespace is itself, as kube's request info says.
        namespace: ri.namespace || (ri.resource === 'namespaces' && ri.name ? ri.name : undefined),
        name: ri.name || undefined,
      }
    : { user, verb: method.toLowerCase() === 'head' ? 'get' : method.toLowerCase(), isResourceRequest: false, path };
  if (authorize(a).allowed) return;
  throw new ApiError(403, 'Forbidden', forbiddenMessage(a), a.isResourceRequest ? { name: a.name, group: a.apiGroup || undefined, kind: a.resource } : undefined);
}

export interface RunningServer {
  server: Http2SecureServer;
  url: string;
  port: number;
  /** Requests answered so far (watches count once, when they end). */
  requestsServed(): number;
  close(): Promise<void>;
}

export function createServer(deps: ApiServerDeps): { listen(host: string, port: number): Promise<RunningServer> } {
  const openWatches = new Set<() => void>();
  let served = 0;
  const inflight = { readOnly: 0, mutating: 0 };
  const maxRO = deps.maxReadOnlyInflight ?? 400;
  const maxMut = deps.maxMutatingInflight ?? 200;
  let serverAddress = '';
  const resourceDeps: ResourceDeps = {
    registry: deps.registry,
    store: deps.store,
    strategyFor: deps.strategyFor,
    decoder: deps.decoder,
    schemaIndex: deps.schemaIndex,
    virtual: deps.virtual ?? {},
    subresourceCreate: deps.subresourceCreate ?? {},
    serveWatch: (ctx, info, ns, sel, format) =>
      serveWatch({ store: deps.store, metrics: deps.metrics, bookmarkIntervalSeconds: deps.bookmarkIntervalSeconds ?? 60, open: openWatches, maxBacklogBytes: deps.maxWatchBacklogBytes }, ctx, info, ns, sel, format),
  };

  async function handleNonResource(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    if (p === '/healthz' || p === '/livez' || p.startsWith('/healthz/') || p.startsWith('/livez/')) {
      sendRaw(res, 200, 'text/plain; charset=utf-8', 'ok');
      return;
    }
    if (p === '/readyz' || p.startsWith('/readyz/')) {
      if (deps.ready()) sendRaw(res, 200, 'text/plain; charset=utf-8', 'ok');
      else sendRaw(res, 500, 'text/plain; charset=utf-8', '[-]bootstrap failed: not finished\nreadyz check failed');
      return;
    }
    if (p === '/version') {
      send(res, 200, {
        major: deps.version.major,
        minor: deps.version.minor,
        gitVersion: deps.version.gitVersion,
        gitCommit: 'tenantry',
        gitTreeState: 'clean',
        buildDate: '2026-11-22T00:00:00Z',
        goVersion: `node${process.versions.node}`,
        compiler: 'tenantry',
        platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
      });
      return;
    }
    if (p === '/metrics') {
      const m = await deps.metrics.exposition();
      sendRaw(res, 200, m.contentType, m.text);
      return;
    }
    if (p === '/api' || p === '/apis') {
      const accept = req.headers.accept;
      for (const v of ['v2', 'v2beta1'] as const) {
        const wants = acceptHas(accept, (t, params) => t === 'application/json' && params['g'] === 'apidiscovery.k8s.io' && params['v'] === v && params['as'] === 'APIGroupDiscoveryList');
        if (wants) {
          const body = aggregatedDiscovery(deps.registry, p === '/api', v);
          sendRaw(res, 200, `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`, JSON.stringify(body), { Vary: 'Accept' });
          return;
        }
      }
      send(res, 200, p === '/api' ? apiVersions(serverAddress) : apiGroupList(deps.registry), undefined, { Vary: 'Accept' });
      return;
    }
    const parts = p.split('/').filter(Boolean);
    if (parts[0] === 'api' && parts.length === 2) {
      const list = apiResourceList(deps.registry, '', parts[1]!);
      if (list) return send(res, 200, list);
    }
    if (parts[0] === 'apis' && parts.length === 2) {
      const g = apiGroup(deps.registry, parts[1]!);
      if (g) return send(res, 200, g);
    }
    if (parts[0] === 'apis' && parts.length === 3) {
      const list = apiResourceList(deps.registry, parts[1]!, parts[2]!);
      if (list) return send(res, 200, list);
    }
    if (p === '/openapi/v2') {
      const doc = await deps.openapi.v2();
      if (doc) {
        const { negotiateOpenApiV2, OPENAPI_V2_PROTOBUF_MEDIA_TYPE } = await import('../api/openapi/v2-protobuf.js');
        // JSON or the gnostic protobuf, whichever Accept names first (kube-openapi's negotiation).
        const form = negotiateOpenApiV2(req.headers.accept);
        if (form === 'protobuf' && doc.protobuf) {
          sendRaw(res, 200, OPENAPI_V2_PROTOBUF_MEDIA_TYPE, doc.protobuf(), { ETag: `"${doc.etag}"`, Vary: 'Accept' });
          return;
        }
        if (form !== 'json') {
          throw new ApiError(406, 'NotAcceptable', 'only the following media types are accepted: application/json, ' + OPENAPI_V2_PROTOBUF_MEDIA_TYPE);
        }
        sendRaw(res, 200, 'application/json', doc.body, { ETag: `"${doc.etag}"`, Vary: 'Accept' });
        return;
      }
    }
    if (p === '/openapi/v3') {
      send(res, 200, await deps.openapi.v3Index());
      return;
    }
    if (p.startsWith('/openapi/v3/')) {
      const doc = await deps.openapi.v3(p.slice('/openapi/v3/'.length));
      if (doc) {
        const immutable = query.has('hash') && query.get('hash') === doc.etag;
        sendRaw(res, 200, 'application/json', doc.body, {
          ETag: `"${doc.etag}"`,
          ...(immutable ? { 'Cache-Control': 'public, immutable', Expires: new Date(Date.now() + 365 * 86400_000).toUTCString() } : {}),
        });
        return;
      }
    }
    for (const route of deps.extraRoutes ?? []) if (await route(req, res, p)) return;
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
  }

  async function handle({ req, res, tls, protocol }: Exchange): Promise<void> {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname;
    const query = url.searchParams;
    const ri = parseRequestInfo(req.method ?? 'GET', path, query);
    let code = 500;
    let user: UserInfo | undefined;
    const mutating = !['GET', 'HEAD', 'OPTIONS'].includes(req.method ?? 'GET');
    const longRunning = ri.verb === 'watch';
    let counted = false;
    try {
      const auth = deps.authenticate(req, tls);
      if (auth === 'invalid' || (auth === undefined && !PUBLIC_PATHS.has(path))) {
        // Drain the body so the connection can be reused.
        req.resume();
        throw unauthorized();
      }
      user = auth;
      if (user && deps.authorize) authorizeOrThrow(deps.authorize, user, ri, path, req.method ?? 'GET');
      if (!longRunning) {
        const kind = mutating ? 'mutating' : 'readOnly';
        if (inflight[kind] >= (mutating ? maxMut : maxRO)) {
          req.resume();
          throw tooManyRequests(1);
        }
        inflight[kind]++;
        deps.metrics.inflight.inc({ kind });
        counted = true;
      }
      if (ri.isResourceRequest) {
        const ctx: ResourceContext = { req, res, ri, query, user: user!, warnings: [] };
        await handleResource(resourceDeps, ctx);
      } else {
        await handleNonResource(req, res, path, query);
      }
      code = res.statusCode;
    } catch (e) {
      code = replyWithError(res, e);
      if (code >= 500) deps.log.warn({ err: e, path, verb: ri.verb, user: user?.username }, 'request failed');
    } finally {
      served++;
      if (counted) {
        const kind = mutating ? 'mutating' : 'readOnly';
        inflight[kind]--;
        deps.metrics.inflight.dec({ kind });
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const verb = ri.isResourceRequest ? ri.verb.toUpperCase() : (req.method ?? 'GET');
      deps.metrics.requests.inc({ verb, group: ri.group, version: ri.version, resource: ri.resource, subresource: ri.subresource, code: String(code) });
      if (!longRunning) deps.metrics.latency.observe({ verb, resource: ri.resource, subresource: ri.subresource }, seconds);
      deps.log.debug(
        { verb, path, namespace: ri.namespace || undefined, resource: ri.resource || undefined, name: ri.name || undefined, user: user?.username, code, proto: protocol, ms: Math.round(seconds * 1e4) / 10 },
        'request',
      );
    }
  }

  return {
    listen(host: string, port: number): Promise<RunningServer> {
      const listener = createListener(deps.tls, (x) => void handle(x), deps.log);
      const server = listener.server;
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const addr = server.address() as AddressInfo;
          const hostForUrl = host.includes(':') ? `[${host}]` : host;
          serverAddress = `${host}:${addr.port}`;
          resolve({
            server,
            port: addr.port,
            url: `https://${hostForUrl}:${addr.port}`,
            requestsServed: () => served,
            close: () => {
              // Watches first: each holds its connection (an h2 session, an HTTP/1.1 socket) open.
              for (const finish of [...openWatches]) finish();
              return listener.close();
            },
          });
        });
      });
    },
  };
}

/**
 * Sends e as a Status and returns its code. When even that fails (the response is in a state that
 * cannot take a Status, e.g. headers rejected by the HTTP/2 layer), the stream is reset rather than
 * left hanging or the error escaping as an unhandled rejection.
 */
function replyWithError(res: ServerResponse, e: unknown): number {
  try {
    return sendError(res, e).code;
  } catch {
    res.destroy();
    return 500;
  }
}
