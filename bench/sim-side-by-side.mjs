#!/usr/bin/env node
// Isolation, measured: how long three `running-3cp-2w` clusters take to come up side by side,
// compared with one alone, in one run — as separate `talos-mcp sim up` processes (what a harness
// starts) and in-process (what the tests and `eval run` do). The target is three clusters
// up in under 2 s in total; the result records the wall time, the ratio to one cluster, and the
// machine's load so a slow run can be told apart from a slow simulator. Also checks that stopping
// releases every port. Writes bench/results/sim-side-by-side.json. Run after `npm run build`.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulation } from "../dist/src/sim/index.js";
import { portIsFree } from "../dist/src/sim/loopback.js";

const ROUNDS = Number(process.argv[2] ?? 3);
const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "dist/src/cli.js");
const base = mkdtempSync(join(tmpdir(), "talos-mcp-bench-sbs-"));
let runs = 0;

/** `sim up` as its own process; resolves with its printed nodes once it is serving. */
function simUp() {
  const child = spawn(process.execPath, [cli, "sim", "up", "--scenario", "running-3cp-2w", "--dir", join(base, `p${runs++}`)], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("\n")) resolve({ child, nodes: JSON.parse(out.split("\n")[0]).nodes });
    });
    child.once("exit", (code) => reject(new Error(`sim up exited ${code} before serving`)));
  });
}

async function stopProcesses(started) {
  await Promise.all(started.map(({ child }) => new Promise((resolve) => (child.once("exit", resolve), child.kill("SIGINT")))));
  return released(started.flatMap(({ nodes }) => nodes));
}

async function released(nodes) {
  return (await Promise.all(nodes.map((node) => portIsFree(node.address, 50000)))).every(Boolean);
}

/** Median wall time of `rounds` runs of `start(n)` (n clusters at once), with the release check. */
async function measure(n, start, stop) {
  const times = [];
  let allReleased = true;
  for (let round = 0; round < ROUNDS; round++) {
    const began = performance.now();
    const started = await Promise.all(Array.from({ length: n }, start));
    times.push(performance.now() - began);
    allReleased &&= await stop(started);
  }
  return { ms: +times.sort((a, b) => a - b)[Math.floor(times.length / 2)].toFixed(0), released: allReleased };
}

const inProcess = () => startSimulation({ scenario: "running-3cp-2w", dir: join(base, `i${runs++}`) });
const stopInProcess = async (sims) => (await Promise.all(sims.map((sim) => sim.stop())), released(sims.flatMap((sim) => sim.nodes)));
await stopInProcess([await inProcess()]); // warm the API definitions in this process

const processOne = await measure(1, simUp, stopProcesses);
const processThree = await measure(3, simUp, stopProcesses);
const inProcessOne = await measure(1, inProcess, stopInProcess);
const inProcessThree = await measure(3, inProcess, stopInProcess);

const result = {
  scenario: "running-3cp-2w",
  rounds: ROUNDS,
  processes: { oneMs: processOne.ms, threeSideBySideMs: processThree.ms, ratio: +(processThree.ms / processOne.ms).toFixed(2), threeUnder2s: processThree.ms < 2000 },
  inProcess: { oneMs: inProcessOne.ms, threeSideBySideMs: inProcessThree.ms, ratio: +(inProcessThree.ms / inProcessOne.ms).toFixed(2), threeUnder2s: inProcessThree.ms < 2000 },
  everyPortReleased: [processOne, processThree, inProcessOne, inProcessThree].every((m) => m.released),
  machine: { cpus: cpus().length, loadAverage1m: +loadavg()[0].toFixed(2) },
  measuredAt: new Date().toISOString(),
};
writeFileSync(join(root, "bench/results/sim-side-by-side.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
