// certificates.k8s.io: CertificateSigningRequest, ClusterTrustBundle, PodCertificateRequest.

import { humanDuration } from './age.js';
import { ageColumn, ageOf, col, int, nameColumn, nameOf, obj, objs, str } from './format.js';
import type { KubeObject, Printer } from './types.js';

/** Denied / Approved / Pending, then ",Failed" and ",Issued" as they apply. */
export function csrCondition(csr: KubeObject): string {
  const status = obj(csr.status);
  let approved = false;
  let denied = false;
  let failed = false;
  for (const c of objs(status.conditions)) {
    const t = str(c.type);
    if (t === 'Approved') approved = true;
    else if (t === 'Denied') denied = true;
    else if (t === 'Failed') failed = true;
  }
  let s = denied ? 'Denied' : approved ? 'Approved' : 'Pending';
  if (failed) s += ',Failed';
  if (str(status.certificate) !== '') s += ',Issued';
  return s;
}

export const certificateSigningRequestPrinter: Printer = {
  columns: [
    nameColumn(),
    ageColumn(),
    col('SignerName', 'string', 'The requested signer.'),
    col('Requestor', 'string', 'The user that created the request.'),
    col('RequestedDuration', 'string', 'The requested validity duration of the issued certificate.'),
    col('Condition', 'string', 'Approval and issuance state of the request.'),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const duration = typeof spec.expirationSeconds === 'number' ? humanDuration(int(spec.expirationSeconds) * 1000) : '<none>';
    return [nameOf(o), ageOf(o, now), str(spec.signerName) || '<none>', str(spec.username), duration, csrCondition(o)];
  },
};

export const clusterTrustBundlePrinter: Printer = {
  columns: [nameColumn(), col('SignerName', 'string', 'The signer associated with this trust bundle.')],
  cells(o) {
    return [nameOf(o), str(obj(o.spec).signerName) || '<none>'];
  },
};

export const podCertificateRequestPrinter: Printer = {
  columns: [
    nameColumn(),
    col('PodName', 'string', 'The pod the certificate is requested for.'),
    col('ServiceAccountName', 'string', 'The service account of the pod.'),
    col('NodeName', 'string', 'The node the pod runs on.'),
    col('SignerName', 'string', 'The requested signer.'),
    col('State', 'string', 'Is the request Pending, Issued, Denied, or Failed?'),
  ],
  cells(o) {
    const spec = obj(o.spec);
    let state = 'Pending';
    for (const c of objs(obj(o.status).conditions)) {
      const t = str(c.type);
      if (t === 'Issued' || t === 'Denied' || t === 'Failed') state = t;
    }
    return [nameOf(o), str(spec.podName), str(spec.serviceAccountName), str(spec.nodeName), str(spec.signerName), state];
  },
};
