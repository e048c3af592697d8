// Kubeconfig rendering and crash-safe file writes, shared by the tenant API
// server (which writes an admin kubeconfig next to its PKI) and the CLI.

import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface KubeconfigParams {
  /** API server URL, e.g. https://127.0.0.1:6443 */
  server: string;
  /** PEM of the CA that signed the serving certificate. */
  caPem: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  /** Bearer token; may be combined with a client certificate. */
  token?: string;
  clusterName: string;
  userName: string;
  contextName: string;
  namespace?: string;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/**
 * A YAML scalar: plain when unambiguous, else double-quoted (a JSON string is a
 * valid YAML double-quoted scalar). Hand-written because the server writes a
 * kubeconfig on every start and the YAML library costs ~50 ms and several MB to load.
 */
function scalar(v: string): string {
  const plain = /^[A-Za-z_/][\w./:@+=-]*$/.test(v) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(v) && !v.endsWith(':');
  return plain ? v : JSON.stringify(v);
}

function mapping(entries: Record<string, string>, indent: string): string {
  return Object.entries(entries)
    .map(([k, v]) => `${indent}${k}: ${scalar(v)}\n`)
    .join('');
}

/** Renders a single-cluster, single-user kubeconfig (YAML) whose current-context is `contextName`. */
export function renderKubeconfig(p: KubeconfigParams): string {
  const user: Record<string, string> = {};
  if (p.clientCertPem !== undefined) user['client-certificate-data'] = b64(p.clientCertPem);
  if (p.clientKeyPem !== undefined) user['client-key-data'] = b64(p.clientKeyPem);
  if (p.token !== undefined) user.token = p.token;

  const context: Record<string, string> = { cluster: p.clusterName, user: p.userName };
  if (p.namespace) context.namespace = p.namespace;

  // Base64 blobs stay on one line: some YAML readers mangle folded ones.
  return (
    'apiVersion: v1\nkind: Config\nclusters:\n' +
    `  - name: ${scalar(p.clusterName)}\n    cluster:\n` +
    mapping({ server: p.server, 'certificate-authority-data': b64(p.caPem) }, '      ') +
    `contexts:\n  - name: ${scalar(p.contextName)}\n    context:\n` +
    mapping(context, '      ') +
    `current-context: ${scalar(p.contextName)}\n` +
    `users:\n  - name: ${scalar(p.userName)}\n` +
    (Object.keys(user).length > 0 ? '    user:\n' + mapping(user, '      ') : '    user: {}\n') +
    'preferences: {}\n'
  );
}

function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  return path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes `data` to `target` so that readers see either the old or the new
 * content, never a torn file, even across a crash: temp file in the same
 * directory, fsync, rename over the target, fsync the directory (so the rename
 * itself is durable). `mode` applies to the new file (e.g. 0o600 for keys) and
 * is set explicitly because the process umask may otherwise widen or narrow it.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = tempPathFor(target);
  const fh = await fsp.open(tmp, 'wx', mode);
  try {
    try {
      await fh.chmod(mode);
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, target);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(path.dirname(target));
}

/** Synchronous twin of writeFileAtomic, for start-up paths and exit handlers. */
export function writeFileAtomicSync(target: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = tempPathFor(target);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    try {
      fs.fchmodSync(fd, mode);
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  try {
    const dfd = fs.openSync(path.dirname(target), 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  }
}

async function fsyncDir(dir: string): Promise<void> {
  try {
    const dh = await fsp.open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  }
}
