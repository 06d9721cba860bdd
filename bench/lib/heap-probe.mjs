// Preloaded into the server only by bench/memory.mjs (`node --expose-gc --import <this file>`), never
// shipped, and no server flag or request can reach it: on SIGUSR2 it forces a full collection and
// writes what is still retained to the file named by TALOS_MCP_BENCH_HEAP_PROBE (JSON of
// process.memoryUsage() and the young generation's size), and with TALOS_MCP_BENCH_HEAP_SNAPSHOT_DIR
// set, a heap snapshot too. RSS alone cannot tell a leak from heap the collector has not yet given
// back; heap used after a full collection can. Nothing is written to stdout (the MCP channel).
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getHeapSpaceStatistics, writeHeapSnapshot } from "node:v8";

const probeFile = process.env.TALOS_MCP_BENCH_HEAP_PROBE;
const snapshotDir = process.env.TALOS_MCP_BENCH_HEAP_SNAPSHOT_DIR;
if (!probeFile || typeof globalThis.gc !== "function") throw new Error("heap-probe.mjs needs --expose-gc and TALOS_MCP_BENCH_HEAP_PROBE");
let taken = 0;
process.on("SIGUSR2", () => {
  taken += 1;
  // Two passes: the first can leave objects whose finalizers free more for the second.
  globalThis.gc();
  globalThis.gc();
  const usage = process.memoryUsage();
  // The young generation's size: V8 grows it under allocation pressure and keeps it, so it is
  // the usual gap between heapTotal and heapUsed after a collection.
  const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0;
  const snapshot = snapshotDir ? writeHeapSnapshot(join(snapshotDir, `probe-${taken}.heapsnapshot`)) : undefined;
  writeFileSync(`${probeFile}.tmp`, JSON.stringify({ taken, ...usage, newSpace, snapshot }));
  renameSync(`${probeFile}.tmp`, probeFile);
});
