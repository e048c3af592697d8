// Table output (what `kubectl get` prints) needs the printers of every built-in
// kind: some twenty modules, loaded with the first request that asks for a
// Table instead of at start-up, which a server that is only written to (or read
// by controllers) never pays.

type Printers = typeof import('../api/printers/index.js');

let printers: Printers | undefined;

export async function loadPrinters(): Promise<Printers> {
  return (printers ??= await import('../api/printers/index.js'));
}

/** The printers, once a request that wants a Table has loaded them. */
export function loadedPrinters(): Printers {
  if (!printers) throw new Error('Table printers used before loadPrinters()');
  return printers;
}

/** Whether an Accept header can negotiate a Table (`as=Table` in any of its media ranges). */
export function mayWantTable(accept: string | undefined): boolean {
  return !!accept && accept.includes('as=Table');
}
