// `tenantry kubeconfig`: a client-certificate kubeconfig for another user of a
// tenant control plane, signed by that tenant's CA (CN = user, O = groups), so
// RBAC bindings can name the user and its groups.

import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { issueClientCert } from './server/pki.js';
import { renderKubeconfig, writeFileAtomic } from '../lib/kubeconfig.js';

export interface UserKubeconfigOptions {
  dataDir: string;
  user: string;
  groups: string[];
  out?: string;
  days?: number;
}

export async function writeUserKubeconfig(opts: UserKubeconfigOptions): Promise<string> {
  const pkiDir = path.join(opts.dataDir, 'pki');
  const caPem = fs.readFileSync(path.join(pkiDir, 'ca.crt'), 'utf8');
  const caKeyPem = fs.readFileSync(path.join(pkiDir, 'ca.key'), 'utf8');
  // The admin kubeconfig records where the server listens.
  const admin = YAML.parse(fs.readFileSync(path.join(opts.dataDir, 'admin.kubeconfig'), 'utf8')) as { clusters: { cluster: { server: string } }[] };
  const server = admin.clusters[0]!.cluster.server;
  const { certPem, keyPem } = await issueClientCert({ caPem, caKeyPem }, opts.user, opts.groups, opts.days);
  const out = opts.out ?? path.join(opts.dataDir, `${opts.user.replace(/[^A-Za-z0-9_.-]/g, '_')}.kubeconfig`);
  await writeFileAtomic(
    out,
    renderKubeconfig({ server, caPem, clientCertPem: certPem, clientKeyPem: keyPem, clusterName: 'tenantry', userName: opts.user, contextName: 'tenantry' }),
    0o600,
  );
  return out;
}
