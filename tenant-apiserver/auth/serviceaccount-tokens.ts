// Service-account tokens: the TokenRequest API issues signed, audience- and
// time-bound JWTs (ES256); the server authenticates them as
// system:serviceaccount:NS:NAME; an OIDC discovery document and JWKS let other
// systems verify them. The signing key lives in DATA_DIR/pki/sa.key.

import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../../lib/kubeconfig.js';
import { invalid } from '../api/errors.js';
import type { KubeObject, UserInfo } from '../api/types.js';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
const MIN_EXPIRATION_SECONDS = 600;
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MAX_EXPIRATION_SECONDS = 48 * 3600;

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: { name: string; uid: string };
    pod?: { name: string; uid: string };
    secret?: { name: string; uid: string };
  };
}

const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export class ServiceAccountTokens {
  readonly kid: string;
  private readonly publicKey: KeyObject;
  /** uid of every live service account, keyed ns/name: a token outlives its account only until this says so. */
  readonly liveAccounts = new Map<string, string>();

  constructor(
    private readonly privateKey: KeyObject,
    readonly issuer: string = DEFAULT_ISSUER,
  ) {
    this.publicKey = crypto.createPublicKey(privateKey);
    const der = this.publicKey.export({ format: 'der', type: 'spki' });
    this.kid = b64u(crypto.createHash('sha256').update(der).digest());
  }

  static loadOrCreate(dataDir: string, issuer?: string): ServiceAccountTokens {
    const file = path.join(dataDir, 'pki', 'sa.key');
    let pem: string;
    if (fs.existsSync(file)) pem = fs.readFileSync(file, 'utf8');
    else {
      const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeFileAtomicSync(file, pem, 0o600);
    }
    return new ServiceAccountTokens(crypto.createPrivateKey(pem), issuer);
  }

  sign(claims: TokenClaims): string {
    const header = b64u(JSON.stringify({ alg: 'ES256', kid: this.kid }));
    const payload = b64u(JSON.stringify(claims));
    const sig = crypto.sign('sha256', Buffer.from(`${header}.${payload}`), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${header}.${payload}.${b64u(sig)}`;
  }

  /** The TokenRequest subresource: returns the TokenRequest with status filled in. */
  issue(sa: KubeObject, request: KubeObject, now = new Date()): KubeObject {
    const spec = (request.spec ?? {}) as { audiences?: string[]; expirationSeconds?: number; boundObjectRef?: { kind?: string; name?: string; uid?: string } };
    const expiration = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
    if (expiration < MIN_EXPIRATION_SECONDS) {
      throw invalid('TokenRequest', 'authentication.k8s.io', '', [
        { type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expiration, detail: 'may not specify a duration less than 10 minutes' },
      ]);
    }
    if (expiration > 2 ** 32) {
      throw invalid('TokenRequest', 'authentication.k8s.io', '', [
        { type: 'FieldValueTooLong', field: 'spec.expirationSeconds', detail: 'may not specify a duration larger than 2^32 seconds' },
      ]);
    }
    const seconds = Math.min(expiration, MAX_EXPIRATION_SECONDS);
    const iat = Math.floor(now.getTime() / 1000);
    const audiences = spec.audiences && spec.audiences.length > 0 ? spec.audiences : [this.issuer];
    const ns = sa.metadata!.namespace!;
    const claims: TokenClaims = {
      iss: this.issuer,
      sub: `system:serviceaccount:${ns}:${sa.metadata!.name}`,
      aud: audiences,
      exp: iat + seconds,
      iat,
      nbf: iat,
      jti: crypto.randomUUID(),
      'kubernetes.io': { namespace: ns, serviceaccount: { name: sa.metadata!.name!, uid: sa.metadata!.uid! } },
    };
    const bound = spec.boundObjectRef;
    if (bound?.kind === 'Pod' && bound.name && bound.uid) claims['kubernetes.io'].pod = { name: bound.name, uid: bound.uid };
    if (bound?.kind === 'Secret' && bound.name && bound.uid) claims['kubernetes.io'].secret = { name: bound.name, uid: bound.uid };
    return {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: sa.metadata!.name, namespace: ns, creationTimestamp: null as unknown as string },
      spec: { audiences, expirationSeconds: seconds, boundObjectRef: bound ?? null },
      status: { token: this.sign(claims), expirationTimestamp: new Date((iat + seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') },
    };
  }

  /** Verify a bearer token: signature, issuer, audience, time window, and that the account still exists. */
  authenticate(token: string, audience: string = this.issuer, now = Date.now()): UserInfo | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [h, p, sig] = parts as [string, string, string];
    let header: { alg?: string; kid?: string };
    let claims: TokenClaims;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (header.alg !== 'ES256') return undefined;
    const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`), { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'));
    if (!ok || claims.iss !== this.issuer) return undefined;
    const t = Math.floor(now / 1000);
    // A minute of leeway for clock skew, as kube allows.
    if (typeof claims.exp !== 'number' || claims.exp + 60 < t || (typeof claims.nbf === 'number' && claims.nbf - 60 > t)) return undefined;
    if (!Array.isArray(claims.aud) || !claims.aud.includes(audience)) return undefined;
    const k = claims['kubernetes.io'];
    if (!k?.serviceaccount?.name || !k.namespace) return undefined;
    if (this.liveAccounts.get(`${k.namespace}/${k.serviceaccount.name}`) !== k.serviceaccount.uid) return undefined;
    return {
      username: `system:serviceaccount:${k.namespace}:${k.serviceaccount.name}`,
      uid: k.serviceaccount.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${k.namespace}`],
      extra: {
        'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`],
        ...(k.pod ? { 'authentication.kubernetes.io/pod-name': [k.pod.name], 'authentication.kubernetes.io/pod-uid': [k.pod.uid] } : {}),
      },
    };
  }

  openidConfiguration(): object {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.issuer}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
    };
  }

  jwks(): object {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return { keys: [{ use: 'sig', kty: jwk.kty, kid: this.kid, crv: jwk.crv, alg: 'ES256', x: jwk.x, y: jwk.y }] };
  }
}
