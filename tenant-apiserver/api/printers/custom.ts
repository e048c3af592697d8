// Printers registered at run time: custom resources, whose columns come from
// their CRD's additionalPrinterColumns (built in crd/printer.ts, registered and
// removed by the CRD controller as definitions come and go). Apart from the
// built-in printers so that registering one does not load them all: those load
// with the first Table request.

import type { Printer } from './types.js';

const CUSTOM_PRINTERS = new Map<string, Printer>();

/** Registers the printer of a resource served from a CRD (replacing any earlier one). */
export function registerPrinter(group: string, resource: string, printer: Printer): void {
  CUSTOM_PRINTERS.set(`${group}/${resource}`, printer);
}

export function unregisterPrinter(group: string, resource: string): void {
  CUSTOM_PRINTERS.delete(`${group}/${resource}`);
}

export function customPrinter(group: string, resource: string): Printer | undefined {
  return CUSTOM_PRINTERS.get(`${group}/${resource}`);
}
