/**
 * A graph reader thread: runs traversals on its own read-only connection to the graph
 * database, so a long one never holds up the owning thread's event loop. See
 * `GraphReaders`.
 */
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { CancelledError } from "../../errors.js";
import { shortestPath } from "./path.js";
import {
  type ReaderInit,
  type ReaderJob,
  type ReaderReply,
  sendableError,
} from "./reader-protocol.js";
import { graphDatabaseFile } from "./schema.js";
import { GraphStatements } from "./statements.js";
import { neighborhoods, neighbors } from "./traversal.js";

const { dataDir, cancelled, nice } = workerData as ReaderInit;
lowerPriority(nice);
const giveUp = new Int32Array(cancelled);
const db = new Database(join(dataDir, graphDatabaseFile), { readonly: true, fileMustExist: true });
db.pragma("busy_timeout = 5000");
const sql = new GraphStatements(db);

parentPort?.on("message", (job: ReaderJob) => {
  const checkpoint = () => {
    if (Atomics.load(giveUp, 0) === job.id) throw new CancelledError();
  };
  let reply: ReaderReply;
  try {
    const result =
      job.operation === "neighbors"
        ? neighbors(sql, job.tenant, job.query, checkpoint)
        : job.operation === "neighborhoods"
          ? neighborhoods(sql, job.tenant, job.query, checkpoint)
          : shortestPath(sql, job.tenant, job.query, checkpoint);
    reply = { id: job.id, result };
  } catch (error) {
    reply = { id: job.id, error: sendableError(error) };
  }
  parentPort?.postMessage(reply);
});

/**
 * Gives this thread the nice value `nice`, so that on a busy core the event loop (nice 0)
 * gets the CPU first: Linux schedules threads apart, and `setpriority` on a thread id
 * changes that thread only. Elsewhere, or when refused, the thread keeps its priority.
 */
function lowerPriority(nice: number): void {
  if (nice === 0) return;
  try {
    const threadId = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(threadId)) setPriority(threadId, nice);
  } catch {
    // not Linux, or not allowed: run at the process's priority
  }
}
