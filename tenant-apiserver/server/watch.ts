// Watch streams: chunked JSON events, bookmarks, timeouts, the watch-list
// initial-events-end bookmark, 410 as an ERROR event, and Table-formatted events
// for `kubectl get -w`. A stream ends when the client goes away (the response's
// 'close'), when timeoutSeconds passes, or when the server shuts down.

import { ServerResponse } from 'node:http';
import type { ResourceInfo } from '../api/registry.js';
import { ApiError, badRequest } from '../api/errors.js';
import { apiVersionOf, type ResourceStore, type Selection, type WatchEventType } from '../api/store.js';
import type { StoredObject } from '../api/types.js';
import { loadPrinters } from './tables.js';
import type { OutputFormat } from './negotiate.js';
import { send, serialize } from './respond.js';
import type { ResourceContext } from './resources.js';
import type { ServerMetrics } from './metrics.js';

/**
 * No Transfer-Encoding (nor any other connection-specific header): HTTP/2 forbids them and node
 * throws on them, and without a Content-Length HTTP/1.1 responses are chunked anyway.
 */
const STREAM_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' } as const;

/** Each shared object's event lines, encoded once for every watcher that is sent it (by event type). */
const SERIALIZED = new WeakMap<object, Map<string, Buffer>>();

/** Shared event lines as HTTP/1.1 chunks (size line, data, CRLF), framed once for every watcher. */
const FRAMED = new WeakMap<Buffer, Buffer>();
const CRLF = Buffer.from('\r\n');

function chunkOf(line: Buffer): Buffer {
  let framed = FRAMED.get(line);
  if (!framed) FRAMED.set(line, (framed = Buffer.concat([Buffer.from(`${line.length.toString(16)}\r\n`), line, CRLF])));
  return framed;
}

/**
 * A watcher with this much written but not yet taken by its client is cut off (its stream reset, its
 * HTTP/1.1 connection closed), as kube-apiserver drops a watcher whose buffer stays full: the client
 * re-watches from its last resourceVersion, and the server never holds an unbounded backlog for a
 * client that stopped reading.
 */
export const MAX_WATCH_BACKLOG_BYTES = 64 << 20;

export interface WatchServerOptions {
  store: ResourceStore;
  metrics: ServerMetrics;
  /** Seconds between bookmarks for clients that allow them. */
  bookmarkIntervalSeconds: number;
  /** Open streams, closed on shutdown. */
  open: Set<() => void>;
  /** Unread bytes at which a watcher is cut off (default MAX_WATCH_BACKLOG_BYTES). */
  maxBacklogBytes?: number;
}

export async function serveWatch(
  opts: WatchServerOptions,
  ctx: ResourceContext,
  info: ResourceInfo,
  namespace: string | undefined,
  selection: Selection | undefined,
  format: OutputFormat,
): Promise<void> {
  const { query, res } = ctx;
  const allowBookmarks = query.get('allowWatchBookmarks') === 'true';
  const sendInitial = query.get('sendInitialEvents');
  const rvMatch = query.get('resourceVersionMatch');
  const rv = query.get('resourceVersion') ?? undefined;
  if (sendInitial !== null) {
    // Watch-list: kube requires NotOlderThan and bookmarks with sendInitialEvents.
    if (sendInitial === 'true' && rvMatch !== 'NotOlderThan') {
      throw new ApiError(422, 'Invalid', `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan`);
    }
    if (sendInitial === 'true' && !allowBookmarks) {
      throw new ApiError(422, 'Invalid', `ListOptions.meta.k8s.io "" is invalid: allowWatchBookmarks: Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true`);
    }
  } else if (rvMatch) {
    throw new ApiError(422, 'Invalid', `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided`);
  }
  let timeout = 1800 + Math.floor(Math.random() * 1800);
  const ts = query.get('timeoutSeconds');
  if (ts !== null) {
    if (!/^\d+$/.test(ts)) throw badRequest(`invalid timeoutSeconds: ${ts}`);
    timeout = Number(ts);
  }
  const apiVersion = apiVersionOf(info);
  const printers = format.transform === 'Table' ? await loadPrinters() : undefined;
  let columnsSent = false;
  const encode = (type: string, obj: unknown): string | Buffer => {
    // Objects decoded by the store are shared by all watchers: serialise and encode each event once.
    if (format.transform === 'none' && obj !== null && typeof obj === 'object') {
      let lines = SERIALIZED.get(obj);
      if (!lines) SERIALIZED.set(obj, (lines = new Map()));
      let line = lines.get(type);
      if (!line) {
        line = Buffer.from(`{"type":${JSON.stringify(type)},"object":${JSON.stringify(obj)}}\n`);
        lines.set(type, line);
      }
      return line;
    }
    return serialize({ type, object: obj }, { mediaType: 'application/json', pretty: false }) + '\n';
  };
  const render = (obj: StoredObject): unknown => {
    if (printers) {
      const t = printers.toTable(printers.printerFor(info.group, info.resource), [obj], {
        includeObject: format.includeObject,
        listMeta: { resourceVersion: obj.metadata.resourceVersion },
        now: Date.now(),
        withColumns: !columnsSent,
      });
      columnsSent = true;
      return format.transformVersion === 'v1beta1' ? { ...t, apiVersion: 'meta.k8s.io/v1beta1' } : t;
    }
    if (format.transform === 'PartialObjectMetadata') return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${format.transformVersion}`, metadata: obj.metadata };
    return obj;
  };
  let lastRv = rv && rv !== '0' ? rv : '0';
  const buffered: (string | Buffer)[] = [];
  let started = false;
  /**
   * Under HTTP/1.1, once the headers are out, events go straight to the socket as whole chunks: with
   * 100 watchers an event is written 100 times, and the response object's own path (framing each
   * write in three pieces, corking and uncorking the socket on the next tick) cost more than the
   * write itself. The response still ends the stream (its last chunk) and sees the socket close.
   * Under HTTP/2 the stream's own write is used (the session batches frames across streams).
   */
  const maxBacklog = opts.maxBacklogBytes ?? MAX_WATCH_BACKLOG_BYTES;
  let direct: { socket: import('node:net').Socket; chunked: boolean } | undefined;
  const write = (chunk: string | Buffer) => {
    if (!started) buffered.push(chunk);
    else if (res.writableEnded) return;
    // What is still unsent from earlier events is the backlog (an event just written always is, for a moment).
    else if ((direct ? direct.socket.writableLength : res.writableLength) > maxBacklog) res.destroy();
    else if (direct) {
      if (direct.socket.destroyed) return;
      const line = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      direct.socket.write(direct.chunked ? chunkOf(line) : line);
    } else res.write(chunk);
  };
  const onEvent = (type: WatchEventType, obj: StoredObject) => {
    lastRv = obj.metadata.resourceVersion;
    write(encode(type, render(obj)));
  };
  const bookmark = (rvNow: string, initialEnd = false) => {
    const obj: Record<string, unknown> = { kind: format.transform === 'none' ? info.kind : info.kind, apiVersion, metadata: { resourceVersion: rvNow } };
    if (initialEnd) (obj.metadata as Record<string, unknown>).annotations = { 'k8s.io/initial-events-end': 'true' };
    write(encode('BOOKMARK', obj));
  };
  let handle: { stop(): void } | undefined;
  try {
    handle = await opts.store.watch(
      info,
      namespace,
      { selection, sharedObjects: true, resourceVersion: rv, sendInitialEvents: sendInitial === 'true' ? true : sendInitial === 'false' ? false : undefined },
      onEvent,
      sendInitial === 'true' ? (rev) => {
        lastRv = String(rev);
        bookmark(String(rev), true);
      } : undefined,
    );
  } catch (e) {
    if (e instanceof ApiError && e.code === 410) {
      // kube-apiserver answers 200 and reports the expiry as the stream's first event.
      res.writeHead(200, STREAM_HEADERS);
      res.end(encode('ERROR', e.toStatus()));
      return;
    }
    throw e;
  }
  // The client may have gone while the watch was being set up (a closed connection, a reset h2
  // stream): its 'close' has fired already and would never end this stream. (Under h2, req.socket
  // answers `destroyed` for the request's stream.) Nothing below awaits, so this check is final.
  if (ctx.req.socket.destroyed) {
    handle.stop();
    return;
  }
  res.writeHead(200, STREAM_HEADERS);
  // The client waits for the headers before it counts the watch as started.
  res.flushHeaders();
  // An HTTP/1.1 response has its socket only while it is the connection's current response (a
  // pipelined one waits): then the headers above are on the socket already and chunks may follow.
  if (ctx.req.httpVersionMajor === 1 && res instanceof ServerResponse && res.socket) direct = { socket: res.socket, chunked: res.chunkedEncoding };
  started = true;
  for (const c of buffered) write(c);
  buffered.length = 0;
  opts.metrics.watches.inc({ group: info.group, resource: info.resource });
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      handle?.stop();
      clearTimeout(timer);
      if (bookmarkTimer) clearInterval(bookmarkTimer);
      opts.open.delete(finish);
      opts.metrics.watches.dec({ group: info.group, resource: info.resource });
      if (!res.writableEnded) res.end();
      resolve();
    };
    const timer = setTimeout(finish, timeout * 1000);
    const bookmarkTimer = allowBookmarks
      ? setInterval(() => bookmark(String(Math.max(Number(lastRv), opts.store.kv.currentRevision()))), opts.bookmarkIntervalSeconds * 1000)
      : undefined;
    opts.open.add(finish);
    // The response's 'close' fires when the client disconnects (the request's does not, once its body is read).
    res.on('close', finish);
    res.on('error', finish);
  });
}

export { send };
