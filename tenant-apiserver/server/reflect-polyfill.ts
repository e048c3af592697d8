// The smallest Reflect metadata API that tsyringe (pulled in by @peculiar/x509)
// needs: it refuses to load unless Reflect.getMetadata exists, and its
// @injectable() decorator stores and reads constructor metadata through it.
// Installing `reflect-metadata` would do the same; this avoids a dependency for
// three functions. It never overrides an existing implementation.

type MetaKey = unknown;
type Target = object;

interface ReflectMetadataApi {
  defineMetadata(key: MetaKey, value: unknown, target: Target, property?: string | symbol): void;
  getOwnMetadata(key: MetaKey, target: Target, property?: string | symbol): unknown;
  getMetadata(key: MetaKey, target: Target, property?: string | symbol): unknown;
  hasOwnMetadata(key: MetaKey, target: Target, property?: string | symbol): boolean;
  hasMetadata(key: MetaKey, target: Target, property?: string | symbol): boolean;
  metadata(key: MetaKey, value: unknown): (target: Target, property?: string | symbol) => void;
}

const R = Reflect as typeof Reflect & Partial<ReflectMetadataApi>;

if (typeof R.getMetadata !== 'function') {
  // target -> property ('' for the target itself) -> key -> value
  const store = new WeakMap<Target, Map<string | symbol, Map<MetaKey, unknown>>>();
  const bucket = (target: Target, property: string | symbol | undefined, create: boolean): Map<MetaKey, unknown> | undefined => {
    let byProp = store.get(target);
    if (!byProp) {
      if (!create) return undefined;
      byProp = new Map();
      store.set(target, byProp);
    }
    const p = property ?? '';
    let m = byProp.get(p);
    if (!m && create) {
      m = new Map();
      byProp.set(p, m);
    }
    return m;
  };
  const api: ReflectMetadataApi = {
    defineMetadata(key, value, target, property) {
      bucket(target, property, true)!.set(key, value);
    },
    getOwnMetadata(key, target, property) {
      return bucket(target, property, false)?.get(key);
    },
    hasOwnMetadata(key, target, property) {
      return bucket(target, property, false)?.has(key) ?? false;
    },
    getMetadata(key, target, property) {
      for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
        const m = bucket(t, property, false);
        if (m?.has(key)) return m.get(key);
      }
      return undefined;
    },
    hasMetadata(key, target, property) {
      for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
        if (bucket(t, property, false)?.has(key)) return true;
      }
      return false;
    },
    metadata(key, value) {
      return (target, property) => api.defineMetadata(key, value, target, property);
    },
  };
  Object.assign(R, api);
}

export {};
