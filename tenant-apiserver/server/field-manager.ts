// Who a write is by, for managedFields: on every write path, so kept apart from
// server-side apply (which loads with the first apply).

import { ApiError } from '../api/errors.js';
import type { ResourceContext } from './resources.js';

const MAX_MANAGER_LENGTH = 128;

/** kube's default field manager: the User-Agent up to its first '/'. */
export function fieldManagerOf(ctx: ResourceContext): string | undefined {
  const explicit = ctx.query.get('fieldManager');
  if (explicit !== null && explicit !== '') {
    if (explicit.length > MAX_MANAGER_LENGTH) {
      throw new ApiError(422, 'Invalid', `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than ${MAX_MANAGER_LENGTH} bytes`);
    }
    return explicit;
  }
  const ua = ctx.req.headers['user-agent'];
  if (!ua) return undefined;
  return ua.split('/')[0]!.slice(0, MAX_MANAGER_LENGTH) || undefined;
}
