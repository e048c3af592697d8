// Assembles one tenant control plane: PKI, storage, registry, strategies, the
// HTTPS server, built-in namespaces and controllers; writes the admin
// kubeconfig once ready. `tenantry apiserver` and `tenantry super` both run this.

import type { PolicySource } from '../policy/types.js';
import { tenantPolicyEnforcement } from '../policy/tenant-enforcement.js';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { loadPkiFast } from './server/pki-fast.js';
import { renderKubeconfig, writeFileAtomicSync } from '../lib/kubeconfig.js';
import { createFreshPki } from '../lib/x509-lite.js';
import { SqliteStore } from './storage/sqlite.js';
import { Registry } from './api/registry.js';
import { ResourceStore, apiVersionOf, type AdmissionPlugin } from './api/store.js';
import { strategyFor } from './api/strategies/index.js';
import { loadOpenApi } from './api/openapi/spec.js';
import { createServer, type RunningServer } from './server/server.js';
import { createAuthenticator, loadTokenFile } from './server/auth.js';
import { BodyDecoder } from './server/decode.js';
import { createMetrics } from './server/metrics.js';
import { createOpenApiServing, createSchemaChecker } from './openapi-serving.js';
import { CustomResourceRuntime } from './crd/controller.js';
import { ControllerRunner, type Controller } from './controllers/runtime.js';
import { namespaceController } from './controllers/namespace.js';
import { ApiError } from './api/errors.js';
import { createRbac } from './auth/authorizer.js';
import { bindPod } from './api/strategies/pods.js';
import { reviewHandlers } from './auth/reviews.js';
import { ServiceAccountTokens } from './auth/serviceaccount-tokens.js';
import { serviceAccountController } from './controllers/serviceaccounts.js';
import { WORKLOAD_CONTROLLERS, workloadControllers } from './controllers/workloads.js';
import { sendRaw } from './server/respond.js';
import type { UserInfo } from './api/types.js';

/** The Kubernetes release whose API we serve (the vendored OpenAPI document's). */
export const KUBE_VERSION = { major: '1', minor: '34', gitVersion: 'v1.34.0-tenantry' };

export interface ApiServerOptions {
  dataDir: string;
  host?: string;
  port?: number;
  kubeconfigOut?: string;
  tokenAuthFile?: string;
  log: Logger;
  /** Names of controllers to run; default all. */
  controllers?: string[];
  /** Compaction keeps this many revisions of history (watch resume window). */
  historyRevisions?: number;
  /** How often compaction runs, in seconds (default 10). */
  compactionIntervalSeconds?: number;
  bookmarkIntervalSeconds?: number;
  /** Unread bytes at which a watcher is cut off (default 64 MiB). */
  maxWatchBacklogBytes?: number;
  /** 'RBAC' (default) or 'AlwaysAllow' (every authenticated user may do everything). */
  authorizationMode?: 'RBAC' | 'AlwaysAllow';
  /** Extra controllers contributed by other components (local super cluster). */
  extraControllers?: (ctx: ApiServerContext) => Controller[];
  /** Admission plugins, registered on the store before the server accepts requests. */
  admission?: (ctx: ApiServerContext) => AdmissionPlugin[];
  /** Enforce a tenant policy (quota, sandbox rules, runtime classes): this server is that tenant's control plane. */
  tenantPolicy?: { tenant: string; source: PolicySource };
}

export interface ApiServerContext {
  registry: Registry;
  store: ResourceStore;
  log: Logger;
}

export interface ApiServer extends ApiServerContext {
  url: string;
  port: number;
  kubeconfigPath: string;
  caPem: string;
  /** A count that grows with the work done (requests answered plus storage revisions): how busy the server has been. */
  activity(): number;
  close(): Promise<void>;
}

const SYSTEM: UserInfo = { username: 'system:apiserver', groups: ['system:masters'] };
export const ALL_CONTROLLERS = ['namespace', 'serviceaccount', ...WORKLOAD_CONTROLLERS];
const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const log = opts.log;
  const host = opts.host ?? '127.0.0.1';
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const metrics = createMetrics();
  // Restarts take the fast path; the X.509 library is loaded only to create or re-issue certificates.
  // A fresh data dir gets its PKI from node:crypto alone (lib/x509-lite.ts); anything else existing is for pki.ts to reuse or repair.
  const pkiReady =
    loadPkiFast(opts.dataDir, [host]) ??
    createFreshPki(opts.dataDir, [host]).then(
      (fresh) => fresh ?? import('./server/pki.js').then((m) => m.loadOrCreatePki(opts.dataDir, { hosts: [host] })),
    );
  // The registry comes from the OpenAPI index; the full document is parsed when first needed.
  const [pki, { index: openApiIndex, spec }] = await Promise.all([pkiReady, loadOpenApi()]);
  const kv = new SqliteStore(path.join(opts.dataDir, 'state.db'), {
    onCommit: (seconds, ops) => {
      metrics.storageCommit.observe(seconds);
      metrics.storageBatch.observe(ops);
    },
  });
  const registry = new Registry(openApiIndex);
  const store = new ResourceStore(kv, strategyFor);
  for (const p of opts.admission?.({ registry, store, log }) ?? []) store.addAdmission(p);
  const policy = opts.tenantPolicy
    ? tenantPolicyEnforcement({ registry, store, log: log.child({ component: 'policy' }) }, opts.tenantPolicy.tenant, opts.tenantPolicy.source)
    : undefined;
  for (const p of policy?.admission ?? []) store.addAdmission(p);
  // CRDs: serving custom resources (registry, strategies, printers, OpenAPI, decoder pruning).
  const crds = new CustomResourceRuntime({ registry, store, spec, log: log.child({ controller: 'customresourcedefinitions' }) });
  const schemas = crds.schemaChecker(createSchemaChecker(spec));
  // Every non-apply write records its manager's fields, so server-side apply can detect conflicts with it.
  // Server-side apply's machinery loads with the first write that names a manager, not at start-up.
  store.setManagedFieldsTrackerLoader(async () => {
    const { trackUpdate } = await import('./api/ssa/ssa.js');
    return (info, old, updated, manager, subresource) =>
      trackUpdate(
        {
          index: schemas.index(),
          definition: info.definition,
          apiVersion: apiVersionOf(info),
          subresource,
          now: new Date(),
          kind: info.kind,
          resetFields: subresource === 'status' ? [['spec'], ['metadata']] : info.subresources.has('status') ? [['status']] : undefined,
        },
        old,
        updated,
        manager,
      );
  });
  const decoder = new BodyDecoder(schemas);
  // The protobuf codec loads with the first protobuf body.
  decoder.register('application/vnd.kubernetes.protobuf', async (body) => (await import('./api/codec/protobuf.js')).decodeKubeProtobuf(body));
  const tokens = opts.tokenAuthFile ? loadTokenFile(opts.tokenAuthFile) : new Map();
  let ready = false;
  const rbac = createRbac(registry, store);
  const saTokens = ServiceAccountTokens.loadOrCreate(opts.dataDir);
  const useRbac = (opts.authorizationMode ?? 'RBAC') === 'RBAC';
  const http = createServer({
    registry,
    store,
    strategyFor,
    decoder,
    schemaIndex: schemas.index,
    authenticate: createAuthenticator(tokens, [(t) => saTokens.authenticate(t)]),
    subresourceCreate: {
      '/serviceaccounts/token': (body, sa) => saTokens.issue(sa, body),
      // pods/binding: what schedulers (and the syncer, binding tenant pods to virtual nodes) call.
      '/pods/binding': async (body, pod, rctx) => {
        const info = registry.get('', 'v1', 'pods')!;
        await store.update(info, pod.metadata.namespace, pod.metadata.name, (cur) => {
          if (!cur) throw new ApiError(404, 'NotFound', `pods "${pod.metadata.name}" not found`);
          return bindPod(cur, body, new Date());
        }, { user: rctx.user, subresource: 'binding' });
        return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
      },
    },
    extraRoutes: [
      (_req, res, p) => {
        if (p === '/.well-known/openid-configuration') sendRaw(res, 200, 'application/json', JSON.stringify(saTokens.openidConfiguration()));
        else if (p === '/openid/v1/jwks') sendRaw(res, 200, 'application/jwk-set+json', JSON.stringify(saTokens.jwks()));
        else return false;
        return true;
      },
    ],
    authorize: useRbac ? (a) => rbac.policy.authorize(a) : undefined,
    virtual: reviewHandlers(rbac.policy),
    metrics,
    log,
    openapi: createOpenApiServing(spec, registry, crds.openapi()),
    version: KUBE_VERSION,
    tls: { key: pki.serverKeyPem, cert: pki.serverCertPem, ca: pki.caPem },
    bookmarkIntervalSeconds: opts.bookmarkIntervalSeconds,
    maxWatchBacklogBytes: opts.maxWatchBacklogBytes,
    ready: () => ready,
  });
  const nsInfo = registry.get('', 'v1', 'namespaces')!;
  // Concurrent creates share one commit (one fsync) rather than paying one each.
  const defaultNamespaces = DEFAULT_NAMESPACES.map(async (name) => {
    try {
      await store.create(nsInfo, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { user: SYSTEM });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
    }
  });
  await Promise.all([...defaultNamespaces, rbac.bootstrap()]);
  const stopRbacFeed = await rbac.start();
  // Tokens are valid only while their service account (same UID) exists.
  const saWatch = await store.watch(registry.get('', 'v1', 'serviceaccounts')!, undefined, { resourceVersion: '', sharedObjects: true }, (type, sa) => {
    const key = `${sa.metadata.namespace}/${sa.metadata.name}`;
    if (type === 'DELETED') saTokens.liveAccounts.delete(key);
    else saTokens.liveAccounts.set(key, sa.metadata.uid);
  });
  const ctx: ApiServerContext = { registry, store, log };
  const enabled = new Set(opts.controllers ?? ALL_CONTROLLERS);
  const controllers: Controller[] = [];
  if (enabled.has('namespace')) controllers.push(namespaceController(registry, store));
  if (enabled.has('serviceaccount')) controllers.push(serviceAccountController(registry, store, pki.caPem));
  controllers.push(...workloadControllers(registry, store, enabled, log));
  // Aggregated ClusterRoles (admin/edit/view) are part of authorization, not an optional controller.
  controllers.push(rbac.aggregationController);
  // Like kube's apiextensions-apiserver, CRD establishing/finalizing is part of serving, not optional.
  controllers.push(crds.controller());
  controllers.push(...(opts.extraControllers?.(ctx) ?? []));
  controllers.push(...(policy?.controllers ?? []));
  const runners = controllers.map((c) => new ControllerRunner(c, log.child({ controller: c.name })));
  for (const r of runners) await r.start();

  // Compaction keeps a bounded history, as kube-apiserver asks etcd to every few minutes.
  const keep = opts.historyRevisions ?? 100_000;
  const compactTimer = setInterval(() => {
    const target = kv.currentRevision() - keep;
    if (target > kv.compactedRevision()) void kv.compact(target).catch((e) => log.warn({ err: e }, 'compaction failed'));
  }, (opts.compactionIntervalSeconds ?? 10) * 1000);
  compactTimer.unref();

  // Listen only now, with storage bootstrapped and every controller started: a client that connects
  // during start-up would only get 503s from /readyz, and each of its TLS handshakes would slow the start.
  /** Everything started before the listener, in the order it stops. */
  const stopBackground = () => {
    clearInterval(compactTimer);
    for (const r of runners) r.stop();
    policy?.close();
    stopRbacFeed();
    saWatch.stop();
  };
  let running: RunningServer;
  try {
    running = await http.listen(host, opts.port ?? 6443);
  } catch (e) {
    // The address is taken (or not ours): undo the start-up.
    stopBackground();
    await kv.close();
    throw e;
  }
  const kubeconfigPath = opts.kubeconfigOut ?? path.join(opts.dataDir, 'admin.kubeconfig');
  writeFileAtomicSync(
    kubeconfigPath,
    renderKubeconfig({
      server: running.url,
      caPem: pki.caPem,
      clientCertPem: pki.adminCertPem,
      clientKeyPem: pki.adminKeyPem,
      clusterName: 'tenantry',
      userName: 'admin',
      contextName: 'tenantry',
    }),
    0o600,
  );
  ready = true;
  log.info({ url: running.url, dataDir: opts.dataDir, kubeconfig: kubeconfigPath, revision: kv.currentRevision() }, 'tenant API server ready');
  let closed = false;
  return {
    ...ctx,
    url: running.url,
    port: running.port,
    kubeconfigPath,
    caPem: pki.caPem,
    activity: () => running.requestsServed() + kv.currentRevision(),
    async close() {
      if (closed) return;
      closed = true;
      ready = false;
      stopBackground();
      await running.close();
      await kv.close();
    },
  };
}
