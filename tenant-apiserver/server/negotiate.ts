// Content negotiation as kube-apiserver does it: the Accept header picks JSON or
// YAML, and the `as=Table` / `as=PartialObjectMetadata[List]` transformations
// (meta.k8s.io v1 or v1beta1). Protobuf is understood on requests only.

import { notAcceptable } from '../api/errors.js';

export type Transform = 'none' | 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList';

export interface OutputFormat {
  mediaType: 'application/json' | 'application/yaml';
  transform: Transform;
  /** meta.k8s.io version of the transformed kind. */
  transformVersion: 'v1' | 'v1beta1';
  pretty: boolean;
  /** Table rows: None, Metadata (default) or Object. */
  includeObject: 'None' | 'Metadata' | 'Object';
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(',')
    .map((part) => {
      const [type, ...params] = part.split(';').map((s) => s.trim());
      const p: Record<string, string> = {};
      for (const kv of params) {
        const i = kv.indexOf('=');
        if (i > 0) p[kv.slice(0, i).trim().toLowerCase()] = kv.slice(i + 1).trim().replace(/^"|"$/g, '');
      }
      return { type: (type ?? '').toLowerCase(), params: p };
    })
    .filter((m) => m.type !== '');
}

const ACCEPTED = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];

/** Choose the response format; `allowTransforms` lists which `as=` kinds this endpoint can produce. */
export function negotiate(accept: string | undefined, query: URLSearchParams, allowTransforms: Transform[]): OutputFormat {
  const includeObject = (query.get('includeObject') as OutputFormat['includeObject'] | null) ?? 'Metadata';
  const pretty = query.get('pretty') === 'true' || query.get('pretty') === '1';
  const base = { pretty, includeObject: ['None', 'Metadata', 'Object'].includes(includeObject) ? includeObject : 'Metadata' } as const;
  if (!accept || accept.trim() === '') return { mediaType: 'application/json', transform: 'none', transformVersion: 'v1', ...base };
  for (const m of parseAccept(accept)) {
    const as = m.params['as'];
    if (as) {
      if (m.params['g'] !== 'meta.k8s.io' || (m.params['v'] !== 'v1' && m.params['v'] !== 'v1beta1')) continue;
      if (!allowTransforms.includes(as as Transform)) continue;
      if (m.type !== 'application/json' && m.type !== 'application/yaml') continue;
      return { mediaType: m.type, transform: as as Transform, transformVersion: m.params['v'] as 'v1' | 'v1beta1', ...base };
    }
    if (m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*') {
      return { mediaType: 'application/json', transform: 'none', transformVersion: 'v1', ...base };
    }
    if (m.type === 'application/yaml') return { mediaType: 'application/yaml', transform: 'none', transformVersion: 'v1', ...base };
  }
  throw notAcceptable(ACCEPTED);
}

/** For non-resource endpoints: JSON unless the client accepts only something else. */
export function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return parseAccept(accept).some((m) => m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*');
}

export function acceptHas(accept: string | undefined, pred: (type: string, params: Record<string, string>) => boolean): boolean {
  if (!accept) return false;
  return parseAccept(accept).some((m) => pred(m.type, m.params));
}
