import { Code, ConnectError } from "@connectrpc/connect";
import type { LoadClients } from "./load.js";

/** Where the load wrote. */
export interface WrittenTo {
  readonly topic: string;
  readonly collection: string;
}

/**
 * The ids among `ids` that the topic does not hold: reads it from the beginning until every
 * id has come by, or `timeoutMs` passes.
 */
export async function missingEvents(
  clients: LoadClients,
  where: WrittenTo,
  ids: readonly string[],
  timeoutMs = 20_000,
): Promise<string[]> {
  const missing = new Set(ids);
  if (missing.size === 0) return [];
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    for await (const { event } of clients.events.subscribe(
      { topic: where.topic },
      { signal: abort.signal },
    )) {
      if (event !== undefined) missing.delete(event.id);
      if (missing.size === 0) break;
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return [...missing];
}

/** The ids among `ids` that the collection does not hold (read 100 at a time). */
export async function missingPoints(
  clients: LoadClients,
  where: WrittenTo,
  ids: readonly string[],
): Promise<string[]> {
  const missing: string[] = [];
  for (let from = 0; from < ids.length; from += 100) {
    const batch = ids.slice(from, from + 100);
    const { points } = await clients.vectors.get({ collection: where.collection, ids: batch });
    const found = new Set(points.map((point) => point.id));
    missing.push(...batch.filter((id) => !found.has(id)));
  }
  return missing;
}

/** The ids among `ids` that name no node (a few reads at a time). */
export async function missingNodes(
  clients: LoadClients,
  ids: readonly string[],
): Promise<string[]> {
  const missing: string[] = [];
  const queue = [...ids];
  const reader = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        const { node } = await clients.graphs.getNode({ id });
        if (node?.id !== id) missing.push(id);
      } catch (error) {
        if (ConnectError.from(error).code !== Code.NotFound) throw error;
        missing.push(id);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, reader));
  return missing;
}
