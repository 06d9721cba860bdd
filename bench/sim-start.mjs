#!/usr/bin/env node
// How long a simulated cluster takes to start: `startSimulation` of running-3cp-2w (pre-configured,
// no Kubernetes) and fresh-3cp-2w (maintenance), from start to every node answering, N times each.
// With `--baseline DIR` (another checkout of talos-mcp, built, e.g. main) both builds are measured
// side by side in one run, alternating, and the ratio is reported — not a timing target.
// With `--compare A,B` two scenarios of this build are measured alternately instead, and B's time
// is reported against A's (e.g. running-3cp-2w,running-3cp-2w-k8s: what a real Kubernetes API
// adds; it needs scripts/build-k8s), written to `--out` (default sim-start-compare).
// Writes bench/results/sim-start.json. Run after `npm run build`.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath, pathToFileURL } from "node:url";

const { values } = parseArgs({ options: { baseline: { type: "string" }, compare: { type: "string" }, out: { type: "string", default: "sim-start-compare" }, n: { type: "string", default: "10" } } });
const N = Number(values.n);
const root = fileURLToPath(new URL("..", import.meta.url));
const SCENARIOS = ["running-3cp-2w", "fresh-3cp-2w"];

const builds = { current: root, ...(values.baseline ? { baseline: resolve(values.baseline) } : {}) };
const starters = {};
for (const [name, dir] of Object.entries(builds)) {
  starters[name] = (await import(pathToFileURL(join(dir, "dist/src/sim/index.js")).href)).startSimulation;
}

/** Milliseconds from startSimulation to a started cluster, stopped right after. */
async function once(start, scenario) {
  const dir = mkdtempSync(join(tmpdir(), "talos-mcp-bench-sim-"));
  const started = performance.now();
  const sim = await start({ scenario, dir });
  const ms = performance.now() - started;
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (values.compare) {
  const [a, b] = values.compare.split(",");
  if (!a || !b) throw new Error("--compare takes two scenarios: A,B");
  const samples = { [a]: [], [b]: [] };
  for (const scenario of [a, b]) await once(starters.current, scenario); // warm
  for (let i = 0; i < N; i += 1) for (const scenario of [a, b]) samples[scenario].push(await once(starters.current, scenario));
  const stats = (xs) => ({ medianMs: +median(xs).toFixed(1), minMs: +Math.min(...xs).toFixed(1) });
  const result = {
    iterations: N,
    scenarios: { [a]: stats(samples[a]), [b]: stats(samples[b]) },
    ratio: +(median(samples[b]) / median(samples[a])).toFixed(2),
    minRatio: +(Math.min(...samples[b]) / Math.min(...samples[a])).toFixed(2),
    measuredAt: new Date().toISOString(),
  };
  writeFileSync(join(root, `bench/results/${values.out}.json`), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}

const result = { iterations: N, scenarios: {}, measuredAt: new Date().toISOString() };
for (const scenario of SCENARIOS) {
  const samples = Object.fromEntries(Object.keys(starters).map((name) => [name, []]));
  for (const start of Object.values(starters)) await once(start, scenario); // warm: module load, proto parsing caches
  for (let i = 0; i < N; i += 1) {
    for (const [name, start] of Object.entries(starters)) samples[name].push(await once(start, scenario));
  }
  // The minimum is what a start costs without interference (the machine may be busy); the median what is typical.
  const entry = Object.fromEntries(Object.entries(samples).flatMap(([name, xs]) => [[`${name}MedianMs`, +median(xs).toFixed(1)], [`${name}MinMs`, +Math.min(...xs).toFixed(1)]]));
  if (samples.baseline) {
    entry.ratio = +(median(samples.current) / median(samples.baseline)).toFixed(2);
    entry.minRatio = +(Math.min(...samples.current) / Math.min(...samples.baseline)).toFixed(2);
  }
  result.scenarios[scenario] = entry;
}
writeFileSync(join(root, "bench/results/sim-start.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
