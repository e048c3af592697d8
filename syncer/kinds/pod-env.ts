// Docker-links style service environment variables, computed the way the
// kubelet does (pkg/kubelet/envvars) but from the tenant's services: the super
// kubelet would compute them from the super namespace, and must not (its
// master service is the super API server). Super pods get them as explicit
// env entries and enableServiceLinks: false.

import { asObj, objs, str, type KubeObject, type Obj } from '../types.js';

export interface EnvVar {
  name: string;
  value: string;
}

const envName = (s: string): string => s.toUpperCase().replace(/-/g, '_');

/** The variables one service with cluster IP `ip` contributes. */
export function serviceEnv(name: string, ip: string, ports: Obj[]): EnvVar[] {
  if (!ip || ip === 'None' || ports.length === 0) return [];
  const base = envName(name);
  const out: EnvVar[] = [{ name: `${base}_SERVICE_HOST`, value: ip }, { name: `${base}_SERVICE_PORT`, value: String(ports[0]!.port) }];
  for (const p of ports) if (str(p.name)) out.push({ name: `${base}_SERVICE_PORT_${envName(str(p.name))}`, value: String(p.port) });
  const host = ip.includes(':') ? `[${ip}]` : ip;
  ports.forEach((p, i) => {
    const proto = (str(p.protocol) || 'TCP').toLowerCase();
    const url = `${proto}://${host}:${String(p.port)}`;
    if (i === 0) out.push({ name: `${base}_PORT`, value: url });
    const prefix = `${base}_PORT_${String(p.port)}_${proto.toUpperCase()}`;
    out.push({ name: prefix, value: url }, { name: `${prefix}_PROTO`, value: proto }, { name: `${prefix}_PORT`, value: String(p.port) }, { name: `${prefix}_ADDR`, value: ip });
  });
  return out;
}

/**
 * The service variables for a pod, sorted by name. `ipOf` gives a service's
 * cluster IP (the tenant's copy of the super's allocation, or the super's
 * while the copy is in flight); services without one contribute nothing.
 */
export function serviceEnvFor(services: KubeObject[], ipOf: (svc: KubeObject) => string): EnvVar[] {
  const out: EnvVar[] = [];
  for (const svc of services) out.push(...serviceEnv(svc.metadata?.name ?? '', ipOf(svc), objs(asObj(svc.spec)?.ports)));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Put service variables in front of a container's env: explicit env entries
 * win (the kubelet adds service variables only where the container defines
 * none of that name), and entries after them can still refer to them with $(VAR).
 */
export function withServiceEnv(container: Obj, vars: EnvVar[]): void {
  if (vars.length === 0) return;
  const own = objs(container.env);
  const defined = new Set(own.map((e) => str(e.name)));
  const add = vars.filter((v) => !defined.has(v.name));
  if (add.length > 0) container.env = [...add, ...own];
}
