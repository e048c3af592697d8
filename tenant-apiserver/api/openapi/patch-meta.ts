// Patch metadata of a field, for strategic merge patch and server-side apply:
// `x-kubernetes-patch-strategy` / `-patch-merge-key` (SMP) and
// `x-kubernetes-list-type` / `-list-map-keys` (SSA), read from the compiled
// definitions so a patch walk never re-resolves $refs.

import type { FieldInfo, SchemaIndex, SchemaNode } from './schema-check.js';

export interface ListMergeInfo {
  /** `merge`, `replace`, `retainKeys`, or a comma list such as `merge,retainKeys`. */
  strategy?: string;
  mergeKey?: string;
  /** `atomic`, `set` or `map`. */
  listType?: string;
  mapKeys?: string[];
}

const INDEX = /^\d+$/;

/**
 * The patch metadata of the field at `path` below `definitionName`.
 *
 * `path` holds JSON field names; lists are stepped through transparently
 * (`['spec', 'containers', 'ports']` is the ports list of every container),
 * and a numeric segment may name an element explicitly (`['spec',
 * 'containers', '0', 'ports']`). At a map (labels, CRD `properties`) a segment
 * is the map key. An unknown definition or a path that leaves the schema gives
 * `{}`, as does a path ending on a list element or map value (no field there).
 */
export function listMergeInfo(index: SchemaIndex, definitionName: string, path: readonly string[]): ListMergeInfo {
  let node: SchemaNode | undefined = index.definitions.get(definitionName);
  let field: FieldInfo | undefined;
  for (const seg of path) {
    if (!node) return {};
    if (node.kind === 'array') {
      while (node.kind === 'array' && node.elem) node = node.elem;
      if (INDEX.test(seg)) {
        field = undefined;
        continue;
      }
    }
    if (node.kind === 'struct') {
      const f: FieldInfo | undefined = node.fields?.get(seg);
      if (!f) return {};
      field = f;
      node = f.node;
    } else if (node.kind === 'map') {
      field = undefined;
      node = node.elem ?? undefined;
    } else {
      return {};
    }
  }
  if (!field) return {};
  const out: ListMergeInfo = {};
  if (field.patchStrategy !== undefined) out.strategy = field.patchStrategy;
  if (field.patchMergeKey !== undefined) out.mergeKey = field.patchMergeKey;
  if (field.listType !== undefined) out.listType = field.listType;
  if (field.listMapKeys !== undefined) out.mapKeys = [...field.listMapKeys];
  return out;
}
