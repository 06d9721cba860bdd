// Nothing lost: kill -9 the built server (a real child process) at random points while it
// writes files, then check from outside that every final path holds the previous complete file
// or the new complete file — never a part of one — and that the next start leaves no temp file
// or scratch directory behind. The ledger (bootstrap/apply records) is updated by a child that
// is killed mid-stream: it must always parse, and never lose an update it acknowledged.
//
// Rounds per tool: TALOS_MCP_KILL_ROUNDS (CI default 3; `npm run test:nightly` runs more).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { startOmni, type OmniSim } from "../helpers/omni.js";
import { RawServer } from "../helpers/raw-server.js";
import { addressOf } from "../helpers/sim.js";
import { REPO_ROOT } from "../helpers/stdio-server.js";

const ROUNDS = Number(process.env.TALOS_MCP_KILL_ROUNDS ?? 3);
const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every temp file or scratch directory the server's own patterns produce, below `root`. */
function strays(root: string): string[] {
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true }) as string[]).filter((rel) => /(^|\/)\.[^/]+\.\d+\.[0-9a-f]{12}\.tmp$/.test(rel) || /(^|\/)\.talos-mcp-tmp\/call-/.test(rel));
}

/** A base64 PEM field decodes to one whole PEM block. */
function completePem(base64: unknown): boolean {
  if (typeof base64 !== "string") return false;
  const pem = Buffer.from(base64, "base64").toString("utf8");
  return /^-----BEGIN [A-Z0-9 ]+-----\n[\s\S]+\n-----END [A-Z0-9 ]+-----\n?$/.test(pem);
}

interface Scenario {
  name: string;
  workspace: string;
  stateDir: string;
  args: string[];
  call: { name: string; args: Record<string, unknown> };
  /** Final paths the call writes (relative to the workspace), found after the call. */
  finalPaths(): string[];
  /** Whether `data` is a complete new version of `path`. */
  complete(path: string, data: Buffer): boolean;
}

async function tortureScenario(scenario: Scenario): Promise<{ previous: number; fresh: number; absent: number }> {
  const options = { workspace: scenario.workspace, stateDir: scenario.stateDir, args: scenario.args };
  // One call to completion: it creates the "previous" files and times the call.
  let server = await RawServer.start(options);
  const started = Date.now();
  const first = await server.callTool(scenario.call.name, scenario.call.args);
  const duration = Date.now() - started;
  expect(first.isError, JSON.stringify(first)).toBeFalsy();
  const outcome = { previous: 0, fresh: 0, absent: 0 };

  for (let round = 0; round < ROUNDS; round++) {
    const before = new Map(scenario.finalPaths().map((rel) => [rel, readFileSync(join(scenario.workspace, rel))]));
    const call = server.callTool(scenario.call.name, scenario.call.args).catch(() => undefined);
    await sleep(Math.random() * duration * 1.2);
    await server.killHard();
    await call;
    for (const rel of new Set([...before.keys(), ...scenario.finalPaths()])) {
      const path = join(scenario.workspace, rel);
      if (!existsSync(path)) {
        outcome.absent++;
        expect(before.has(rel), `${rel} vanished`).toBe(false);
        continue;
      }
      const now = readFileSync(path);
      const previous = before.get(rel);
      if (previous && now.equals(previous)) outcome.previous++;
      else {
        expect(scenario.complete(rel, now), `${scenario.name} round ${round}: ${rel} is neither the previous nor a complete new file`).toBe(true);
        outcome.fresh++;
      }
    }
    // The next start sweeps what the killed server left.
    server = await RawServer.start(options);
    expect(strays(scenario.workspace), `${scenario.name} round ${round}: temp files after the next start`).toEqual([]);
    expect(strays(scenario.stateDir)).toEqual([]);
  }
  await server.close();
  return outcome;
}

const root = mkdtempSync(join(tmpdir(), "talos-mcp-nothing-lost-"));
const dirs = (name: string) => ({ workspace: join(root, name, "ws"), stateDir: join(root, name, "state") });
const results: Record<string, { previous: number; fresh: number; absent: number }> = {};

afterAll(() => {
  // How the kills fell (before the rename: previous file; after: the new one), for the log.
  console.log("nothing-lost outcomes per final path:", JSON.stringify(results));
});

describe("kill -9 during offline writes", () => {
  it("gen-config (overwrite): each file is the previous or the new complete one", async () => {
    const where = dirs("gen-config");
    const reference = new Map<string, string>();
    results["gen-config"] = await tortureScenario({
      name: "gen-config",
      ...where,
      args: [],
      call: { name: "gen-config", args: { cluster: "demo", endpoint: "https://10.5.0.2:6443", overwrite: true } },
      finalPaths: () => ["demo/secrets.yaml", "demo/controlplane.yaml", "demo/worker.yaml", "demo/talosconfig"].filter((rel) => existsSync(join(where.workspace, rel))),
      complete(rel, data) {
        if (rel === "demo/talosconfig") {
          const doc = parseYaml(data.toString("utf8")) as { context?: string; contexts?: Record<string, { endpoints?: string[]; ca?: string; crt?: string; key?: string }> };
          const context = doc?.contexts?.demo;
          return doc?.context === "demo" && Array.isArray(context?.endpoints) && completePem(context?.ca) && completePem(context?.crt) && completePem(context?.key);
        }
        // With the secrets bundle reused, the configs are the same bytes every time.
        const known = reference.get(rel) ?? sha(readFileSync(join(where.workspace, rel)));
        reference.set(rel, known);
        return sha(data) === known;
      },
    });
  });

  it("patch-config (overwrite): the output is the previous or the new complete one", async () => {
    const where = dirs("patch-config");
    mkdirSync(join(where.workspace, "demo"), { recursive: true });
    // A large machine config makes the write itself take a while.
    const big = `version: v1alpha1\nmachine:\n  type: controlplane\n  files:\n${Array.from({ length: 500 }, (_, i) => `    - path: /var/f${i}\n      content: "${"x".repeat(200)}"\n      op: create`).join("\n")}\ncluster:\n  clusterName: demo\n`;
    writeFileSync(join(where.workspace, "demo/base.yaml"), big);
    let reference: string | undefined;
    results["patch-config"] = await tortureScenario({
      name: "patch-config",
      ...where,
      args: [],
      call: { name: "patch-config", args: { file: "demo/base.yaml", patches: [{ inline: "machine:\n  network:\n    hostname: cp-1\n" }], output: "demo/cp-1.yaml", overwrite: true } },
      finalPaths: () => ["demo/base.yaml", "demo/cp-1.yaml"].filter((rel) => existsSync(join(where.workspace, rel))),
      complete(rel, data) {
        if (rel === "demo/base.yaml") return false;
        reference ??= sha(readFileSync(join(where.workspace, rel)));
        return sha(data) === reference;
      },
    });
  });
});

describe("kill -9 during writes of live data (simulated cluster and Omni)", () => {
  let sim: SimHandle;
  let omni: OmniSim;
  beforeAll(async () => {
    sim = await startSimulation({ scenario: "running-3cp-2w", dir: join(root, "sim") });
    omni = await startOmni("omni-running", join(root, "omni"), 100);
  });
  afterAll(async () => {
    await sim?.stop();
    await omni?.stop();
  });

  it("etcd-backup: every snapshot in backups/ is complete", async () => {
    const where = dirs("etcd-backup");
    let reference: string | undefined;
    results["etcd-backup"] = await tortureScenario({
      name: "etcd-backup",
      ...where,
      args: ["--talosconfig", sim.talosconfig],
      call: { name: "etcd-backup", args: { nodes: [addressOf(sim, "cp-1")] } },
      finalPaths: () => (existsSync(join(where.workspace, "backups")) ? readdirSync(join(where.workspace, "backups")).map((name) => `backups/${name}`) : []),
      complete(rel, data) {
        // The simulated etcd serves the same snapshot every time.
        reference ??= sha(readFileSync(join(where.workspace, "backups", readdirSync(join(where.workspace, "backups"))[0]!)));
        return sha(data) === reference;
      },
    });
  });

  it("kubeconfig: the file is the previous or a complete new one", async () => {
    const where = dirs("kubeconfig");
    results.kubeconfig = await tortureScenario({
      name: "kubeconfig",
      ...where,
      args: ["--talosconfig", sim.talosconfig],
      call: { name: "kubeconfig", args: { nodes: [addressOf(sim, "cp-1")] } },
      finalPaths: () => (readdirSync(where.workspace, { recursive: true }) as string[]).filter((rel) => rel.endsWith("/kubeconfig")),
      complete(_rel, data) {
        const doc = parseYaml(data.toString("utf8")) as { clusters?: { cluster?: Record<string, unknown> }[]; users?: { user?: Record<string, unknown> }[]; contexts?: unknown[] };
        return (
          Array.isArray(doc?.contexts) &&
          completePem(doc?.clusters?.[0]?.cluster?.["certificate-authority-data"]) &&
          completePem(doc?.users?.[0]?.user?.["client-certificate-data"]) &&
          completePem(doc?.users?.[0]?.user?.["client-key-data"])
        );
      },
    });
  });

  it("template-export (overwrite): the template is the previous or the new complete one", async () => {
    const where = dirs("template-export");
    mkdirSync(where.stateDir, { recursive: true });
    const config = join(root, "omni-config.yaml");
    writeFileSync(config, `omniconfig: ${omni.omni.omniconfig}\nomniServiceAccountKeyFile: ${omni.omni.serviceAccountKeyFile}\nomniCaFile: ${omni.omni.caFile}\n`);
    let reference: string | undefined;
    results["template-export"] = await tortureScenario({
      name: "template-export",
      ...where,
      args: ["--config", config],
      call: { name: "template-export", args: { cluster: "prod", output: "omni/prod.yaml", overwrite: true } },
      finalPaths: () => (existsSync(join(where.workspace, "omni/prod.yaml")) ? ["omni/prod.yaml"] : []),
      complete(rel, data) {
        reference ??= sha(readFileSync(join(where.workspace, rel)));
        return sha(data) === reference;
      },
    });
  });
});

describe("kill -9 during ledger updates", () => {
  it("the ledger always parses and keeps every acknowledged update; the next server start sweeps its temp files", async () => {
    const { workspace, stateDir } = dirs("ledger");
    const ledger = join(workspace, "demo", "cluster-state.json");
    const writer = join(REPO_ROOT, "test/reliability/fixtures/ledger-writer.mjs");
    let acknowledged = -1;
    for (let round = 0; round < ROUNDS * 3; round++) {
      const child = spawn(process.execPath, [writer, ledger], { stdio: ["ignore", "pipe", "inherit"] });
      let firstAck: () => void = () => undefined;
      const acked = new Promise<void>((resolve) => (firstAck = resolve));
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => {
        for (const match of chunk.matchAll(/acked (\d+)/g)) acknowledged = Math.max(acknowledged, Number(match[1]));
        firstAck();
      });
      const exited = new Promise((resolve) => child.once("exit", resolve));
      await acked;
      await sleep(Math.random() * 150);
      child.kill("SIGKILL");
      await exited;
      const state = JSON.parse(readFileSync(ledger, "utf8")) as { bootstraps: { node: string }[] };
      const nodes = state.bootstraps.map((b) => b.node);
      // Contiguous from the first update, and nothing acknowledged is missing.
      expect(nodes).toEqual(nodes.map((_, i) => `node-${i}`));
      expect(nodes.length).toBeGreaterThan(acknowledged);
    }
    const server = await RawServer.start({ workspace, stateDir });
    expect(strays(workspace)).toEqual([]);
    await server.close();
  });
});
