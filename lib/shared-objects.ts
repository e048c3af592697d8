// Objects handed to several readers at once (a store's decoded watch events, a
// syncer informer's cache) must never be written to. Under vitest (set in its
// workers and inherited by the servers and syncers tests spawn) they are
// frozen, so a reader that writes to one fails the suite instead of silently
// corrupting what the others see; outside tests this costs nothing.

const FREEZE = !!process.env.VITEST;

function deepFreeze(v: unknown): void {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return;
  for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  Object.freeze(v);
}

/** Marks an object as shared: deep-frozen under tests, untouched otherwise. Returns it. */
export function shareReadOnly<T>(o: T): T {
  if (FREEZE) deepFreeze(o);
  return o;
}
