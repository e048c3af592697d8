// URL → what the request is about, read the way kube-apiserver's
// RequestInfoFactory reads it: /api/v1/namespaces/ns/pods/name/status,
// /apis/apps/v1/deployments, the legacy /api/v1/watch/... prefix; anything else
// is a non-resource URL.

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  /** get list watch create update patch delete deletecollection (resource requests) or the lower-case HTTP method. */
  verb: string;
  apiPrefix: string;
  group: string;
  version: string;
  /** The namespace the request is scoped to ('' for cluster scope; for the namespaces resource, empty too). */
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
}

const HTTP_VERB: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete', GET: 'get', HEAD: 'get' };
// kube treats namespaces/{name}/{status|finalize} as the namespace's own subresources.
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path: pathname,
    verb: method.toLowerCase(),
    apiPrefix: '',
    group: '',
    version: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
  };
  let parts = pathname.split('/').filter((p) => p !== '');
  if (parts[0] !== 'api' && parts[0] !== 'apis') return info;
  info.apiPrefix = parts[0];
  parts = parts.slice(1);
  if (info.apiPrefix === 'apis') {
    if (parts.length < 2) return info;
    info.group = parts.shift()!;
  }
  if (parts.length < 2) {
    if (parts.length === 1) info.version = parts[0]!;
    return info;
  }
  info.version = parts.shift()!;
  info.isResourceRequest = true;
  let legacyWatch = false;
  if (parts[0] === 'watch') {
    legacyWatch = true;
    parts = parts.slice(1);
  }
  if (parts[0] === 'namespaces' && parts.length > 2 && !(parts.length === 3 && NAMESPACE_SUBRESOURCES.has(parts[2]!))) {
    info.namespace = parts[1]!;
    parts = parts.slice(2);
  }
  info.resource = parts[0] ?? '';
  info.name = parts[1] ?? '';
  info.subresource = parts.slice(2).join('/');
  if (method === 'GET' || method === 'HEAD') {
    const watchParam = query.get('watch');
    const watching = legacyWatch || watchParam === 'true' || watchParam === '1';
    info.verb = info.name ? (legacyWatch ? 'watch' : 'get') : watching ? 'watch' : 'list';
  } else if (method === 'DELETE' && !info.name) {
    info.verb = 'deletecollection';
  } else {
    info.verb = HTTP_VERB[method] ?? method.toLowerCase();
  }
  return info;
}
