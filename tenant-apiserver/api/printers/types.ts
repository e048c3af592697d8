// Shapes of the meta.k8s.io/v1 Table a server returns for
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, and of the
// per-resource printers that fill it.

/** An API object as plain JSON (the wire form, e.g. apps/v1 Deployment). */
export type KubeObject = Record<string, unknown>;

export interface ColumnDefinition {
  name: string;
  /** OpenAPI type: string, integer, number, boolean, date. */
  type: string;
  /** OpenAPI format hint; `name` marks the column holding the object name. */
  format: string;
  description: string;
  /** 0 = always shown; 1 = shown by kubectl only with `-o wide`. */
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface Printer {
  columns: ColumnDefinition[];
  /** Exactly one cell per column, in column order. `now` is epoch milliseconds. */
  cells(obj: KubeObject, now: number): unknown[];
  /** Row conditions kube attaches (pods: Completed for Succeeded/Failed). */
  rowConditions?(obj: KubeObject): TableRowCondition[] | undefined;
  /** Some kinds are listed in a fixed order (flow schemas by precedence). */
  sortObjects?(objects: KubeObject[]): KubeObject[];
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: Record<string, unknown>;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  /** The object, its metadata only, or null (includeObject=None). */
  object: KubeObject | PartialObjectMetadata | null;
}

export interface TableListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: TableListMeta;
  /**
   * null when headers are suppressed (TableOptions.noHeaders, and every watch
   * event after the first): kube-apiserver serialises the nil slice as null.
   */
  columnDefinitions: ColumnDefinition[] | null;
  rows: TableRow[];
}
